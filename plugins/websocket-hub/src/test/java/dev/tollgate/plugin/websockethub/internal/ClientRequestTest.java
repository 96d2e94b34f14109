package dev.tollgate.plugin.websockethub.internal;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ClientRequestTest {

    @Test
    void readsEveryField() throws Exception {
        ClientRequest request = ClientRequest.parse(
                "{\"type\":\"subscribe\",\"channel\":\"c\",\"since\":\"1-2\",\"presence\":true,\"id\":\"a\\\"b\",\"extra\":{\"x\":[1]}}");
        assertThat(request.type()).isEqualTo("subscribe");
        assertThat(request.channel()).isEqualTo("c");
        assertThat(request.since()).isEqualTo("1-2");
        assertThat(request.presence()).isTrue();
        assertThat(request.id()).isEqualTo("\"a\\\"b\"");
        assertThat(request.data()).isNull();
        assertThat(request.token()).isNull();
        assertThat(ClientRequest.parse("{\"type\":\"auth\",\"token\":\"abc.def\"}").token()).isEqualTo("abc.def");

        ClientRequest publish = ClientRequest.parse("{\"id\":12,\"data\":{\"b\":[true, null, 1.5]},\"type\":\"publish\",\"channel\":\"c\"}");
        assertThat(publish.id()).isEqualTo("12");
        assertThat(new String(publish.data(), StandardCharsets.UTF_8)).isEqualTo("{\"b\":[true,null,1.5]}");
        assertThat(new String(ClientRequest.parse("{\"type\":\"publish\",\"data\":\"é\"}").data(), StandardCharsets.UTF_8))
                .isEqualTo("\"é\"");
    }

    @Test
    void keepsNumbersOfDataExactlyAsWritten() throws Exception {
        String data = "{\"n\":[12345678901234567890123,0.1000000000000000000001,1e400,1.5e-400,1.0E2,-0.0,-7]}";
        ClientRequest publish = ClientRequest.parse("{\"type\":\"publish\",\"data\":" + data + "}");
        assertThat(new String(publish.data(), StandardCharsets.UTF_8)).isEqualTo(data);
        assertThat(new String(ClientRequest.parse("{\"type\":\"publish\",\"data\": 3.14159265358979323846264 }").data(),
                StandardCharsets.UTF_8)).isEqualTo("3.14159265358979323846264");
    }

    @Test
    void anIdWithAnUnpairedSurrogateIsEchoedAsItsEscape() throws Exception {
        assertThat(ClientRequest.parse("{\"type\":\"ping\",\"id\":\"a\\ud800b\\udc00\"}").id()).isEqualTo("\"a\\ud800b\\udc00\"");
        assertThat(ClientRequest.parse("{\"type\":\"ping\",\"id\":\"\\ud83d\\ude00\"}").id()).isEqualTo("\"\ud83d\ude00\"");
    }

    @Test
    void refusesWhatIsNotAProtocolMessage() {
        for (String bad : new String[] {"", "x", "[]", "\"subscribe\"", "{}", "{\"type\":1}", "{\"type\":\"a\"} {}",
                "{\"type\":\"a\",\"channel\":[]}", "{\"type\":\"a\",\"id\":true}", "{\"type\":\"a\",\"presence\":\"yes\"}",
                "{\"type\":\"auth\",\"token\":42}", "{\"type\":\"a\",\"type\":\"b\"}", "{\"type\":\"a\",\"data\":" + "[".repeat(80) + "]".repeat(80) + "}"}) {
            assertThatThrownBy(() -> ClientRequest.parse(bad)).as(bad)
                    .isInstanceOfSatisfying(ProtocolException.class, e -> assertThat(e.error()).isEqualTo(ProtocolError.BAD_MESSAGE));
        }
    }
}
