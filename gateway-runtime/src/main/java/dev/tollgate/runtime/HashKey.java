package dev.tollgate.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * {@code bin/gateway hash-key}: reads one API key from standard input and prints the lowercase hex
 * SHA-256 of its UTF-8 bytes, the form the {@code api-key} filter's {@code keys[].sha256} takes,
 * so that a key never has to be written into the configuration, a shell history or a process list.
 *
 * <p>The input is one line; its trailing line break ({@code \n} or {@code \r\n}) is not part of the
 * key. Input the filter could never match is refused with exit code 2 rather than hashed: nothing,
 * more than one line, white space around the key (HTTP drops it from header values), control
 * characters, or bytes that are not UTF-8.
 */
final class HashKey {
    /** Far more than any key; a bound so that piping a file by mistake fails fast. */
    private static final int MAX_INPUT_BYTES = 64 * 1024;

    private HashKey() {
    }

    /** Returns the exit code: 0 with the hash printed, 2 with the reason on {@code err}. */
    static int run(InputStream in, PrintStream out, PrintStream err) throws IOException {
        byte[] input = in.readNBytes(MAX_INPUT_BYTES + 1);
        if (input.length > MAX_INPUT_BYTES) {
            return refuse(err, "the input is longer than " + MAX_INPUT_BYTES + " bytes; give one key, one line");
        }
        int length = input.length;
        if (length > 0 && input[length - 1] == '\n') {
            length--;
            if (length > 0 && input[length - 1] == '\r') {
                length--;
            }
        }
        if (length == 0) {
            return refuse(err, "no key on standard input; e.g. gateway hash-key < key.txt");
        }
        String key;
        try {
            key = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(input, 0, length))
                    .toString();
        }
        catch (CharacterCodingException e) {
            return refuse(err, "the key is not UTF-8 text");
        }
        if (key.indexOf('\n') >= 0 || key.indexOf('\r') >= 0) {
            return refuse(err, "more than one line on standard input; give one key, one line");
        }
        if (key.chars().anyMatch(c -> c < 0x20 && c != '\t' || c == 0x7f)) {
            return refuse(err, "the key holds control characters, which an HTTP header cannot carry");
        }
        if (!key.strip().equals(key)) {
            return refuse(err, "the key starts or ends with white space, which HTTP drops from header values");
        }
        byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
        try {
            out.println(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)));
        }
        catch (NoSuchAlgorithmException e) {
            // Every Java platform must provide SHA-256 (MessageDigest's javadoc).
            throw new IllegalStateException("this JVM offers no SHA-256 MessageDigest", e);
        }
        finally {
            Arrays.fill(input, (byte) 0);
            Arrays.fill(bytes, (byte) 0);
        }
        return 0;
    }

    private static int refuse(PrintStream err, String reason) {
        err.println("gateway hash-key: " + reason);
        return 2;
    }
}
