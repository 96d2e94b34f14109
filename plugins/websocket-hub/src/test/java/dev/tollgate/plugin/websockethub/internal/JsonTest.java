package dev.tollgate.plugin.websockethub.internal;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class JsonTest {

    @Test
    void recognisesOneJsonValue() {
        for (String json : List.of("{}", "[]", "1", "-2.5e3", "\"text\"", "true", "null", " {\"a\":[1,{\"b\":null}]} ", "\"é€𝄞\"")) {
            assertThat(isJson(json)).as(json).isTrue();
        }
        // Payloads are passed on as they are: deep nesting and duplicate keys are the receiver's business.
        assertThat(isJson("[".repeat(200) + "]".repeat(200))).isTrue();
        assertThat(isJson("{\"a\":1,\"a\":2}")).isTrue();
        for (String notJson : List.of("", " ", "{", "{} {}", "1 2", "'single'", "{a:1}", "NaN", "// x\n1", "\uFEFF{}")) {
            assertThat(isJson(notJson)).as(notJson).isFalse();
        }
        // UTF-16 encodings and NUL bytes are not embeddable, whatever Jackson would detect.
        assertThat(Json.isJsonValue(new byte[] {0, '{', 0, '}'}, 0, 4)).isFalse();
        assertThat(Json.isJsonValue(new byte[] {'{', 0, '}', 0}, 0, 4)).isFalse();
        assertThat(Json.isJsonValue("x{}x".getBytes(StandardCharsets.UTF_8), 1, 2)).isTrue();
    }

    @Test
    void validatesUtf8LikeTheStrictJdkDecoder() {
        List<byte[]> samples = List.of(
                bytes(0xC3, 0xA9), bytes(0xC0, 0xAF), bytes(0xC1, 0xBF), bytes(0xE0, 0x80, 0xAF), bytes(0xE0, 0xA0, 0x80),
                bytes(0xED, 0x9F, 0xBF), bytes(0xED, 0xA0, 0x80), bytes(0xEF, 0xBF, 0xBF), bytes(0xF0, 0x8F, 0xBF, 0xBF),
                bytes(0xF0, 0x90, 0x80, 0x80), bytes(0xF4, 0x8F, 0xBF, 0xBF), bytes(0xF4, 0x90, 0x80, 0x80), bytes(0xF5, 0x80, 0x80, 0x80),
                bytes(0xC3), bytes(0xE2, 0x82), bytes(0x80), bytes(0xFF), bytes(0xC3, 0x28), bytes(0xE2, 0x28, 0xA1));
        for (byte[] sample : samples) {
            assertThat(Json.isUtf8(sample, 0, sample.length)).as(java.util.HexFormat.of().formatHex(sample)).isEqualTo(strictlyDecodes(sample));
        }
        Random random = new Random(42);
        for (int i = 0; i < 20_000; i++) {
            byte[] sample = new byte[1 + random.nextInt(6)];
            for (int k = 0; k < sample.length; k++) {
                // Mostly bytes around the multi-byte boundaries, where mistakes hide.
                sample[k] = (byte) (random.nextBoolean() ? 0x80 + random.nextInt(0x80) : random.nextInt(256));
            }
            assertThat(Json.isUtf8(sample, 0, sample.length)).as(java.util.HexFormat.of().formatHex(sample)).isEqualTo(strictlyDecodes(sample));
        }
    }

    @Test
    void quotesText() {
        assertThat(new String(Json.quote("a\"b\\c\n\u0001é"), StandardCharsets.UTF_8)).isEqualTo("\"a\\\"b\\\\c\\n\\u0001é\"");
        assertThat(new String(Json.quoteText(ByteBuffer.wrap(bytes('a', 0xFF))), StandardCharsets.UTF_8)).isEqualTo("\"a\uFFFD\"");
    }

    private static boolean isJson(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        return Json.isJsonValue(bytes, 0, bytes.length);
    }

    private static boolean strictlyDecodes(byte[] bytes) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes));
            return true;
        }
        catch (CharacterCodingException e) {
            return false;
        }
    }

    private static byte[] bytes(int... values) {
        byte[] bytes = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            bytes[i] = (byte) values[i];
        }
        return bytes;
    }
}
