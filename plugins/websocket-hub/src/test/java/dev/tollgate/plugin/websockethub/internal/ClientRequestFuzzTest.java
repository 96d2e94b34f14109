package dev.tollgate.plugin.websockethub.internal;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.tollgate.plugin.websockethub.FuzzedMessages;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzzes the hub's decoder of client messages, in process: whatever the text, {@link ClientRequest#parse}
 * either refuses it with a {@link ProtocolException} {@code BAD_MESSAGE} (with a message of bounded
 * size, sent back to the client) or returns a request whose {@code id} and {@code data} are each
 * one JSON value (the hub embeds them in its replies and messages as they are) no larger than the
 * message itself. Any other exception fails the test, and the fuzz JVM's bounded heap fails it on
 * an unbounded allocation.
 *
 * <p>Run by surefire's fuzz execution (README, "Fuzzing").
 */
class ClientRequestFuzzTest {
    @FuzzTest(maxDuration = "15s")
    void decodingRefusesOrYieldsJson(FuzzedDataProvider data) {
        String text = data.consumeBoolean() ? FuzzedMessages.message(data) : data.consumeRemainingAsString();
        ClientRequest request;
        try {
            request = ClientRequest.parse(text);
        }
        catch (ProtocolException e) {
            assertThat(e.error()).as(text).isEqualTo(ProtocolError.BAD_MESSAGE);
            assertThat(e.getMessage().length()).as("the length of the error message for %s", text).isLessThan(2048);
            return;
        }
        if (request.id() != null) {
            byte[] id = request.id().getBytes(StandardCharsets.UTF_8);
            assertThat(Json.isJsonValue(id, 0, id.length)).as("the id %s of %s is JSON", request.id(), text).isTrue();
            // Quoted again: at most six bytes a character (a control character as a \\u escape).
            assertThat(id.length).as("the id's size").isLessThanOrEqualTo(6 * text.length() + 2);
        }
        if (request.data() != null) {
            byte[] published = request.data();
            assertThat(Json.isJsonValue(published, 0, published.length))
                    .as("the data %s of %s is JSON", new String(published, StandardCharsets.UTF_8), text).isTrue();
            // Compact UTF-8 of what the client wrote: at most three bytes a character.
            assertThat(published.length).as("the data's size").isLessThanOrEqualTo(3 * text.length());
        }
    }
}
