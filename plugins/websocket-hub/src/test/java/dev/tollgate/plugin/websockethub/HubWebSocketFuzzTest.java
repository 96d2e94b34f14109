package dev.tollgate.plugin.websockethub;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.runtime.testing.CapturedLogs;
import dev.tollgate.runtime.testing.RawWebSocket;
import dev.tollgate.runtime.testing.TestGateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.io.IOException;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzzes the hub over real WebSockets to one running gateway ({@link HubGateways#STANDARD}): on a
 * new connection to one of its routes, a few frames — protocol messages right or wrong
 * ({@link FuzzedMessages}), text that is not UTF-8, binary, control and reserved opcodes — then a
 * {@code ping} request. The hub must answer every message with JSON (an {@code error} with one of
 * its codes for what it refuses) and the {@code ping} with its {@code pong}, or close the
 * connection with a code that says what the client did (1002, 1003, 1007, 1008, 1009, or 4001,
 * 4003, 4029 of first-message authentication) — never 1011 —; log nothing at WARN or above; and
 * serve the next client.
 *
 * <p>Run by surefire's fuzz execution (README, "Fuzzing"); failing inputs land in
 * {@code src/test/resources/dev/tollgate/plugin/websockethub/HubWebSocketFuzzTestInputs/}.
 */
class HubWebSocketFuzzTest {
    private static final String[] PATHS = {"/ws", "/ws/small", "/ws/collaboration/p1", "/ws/simulation/7", "/ws/first-message"};
    private static final Set<Integer> CLIENT_FAULTS = Set.of(1002, 1003, 1007, 1008, 1009, 4001, 4003, 4029);
    private static final Set<String> ERROR_CODES = Set.of("BAD_MESSAGE", "UNKNOWN_TYPE", "FORBIDDEN", "TOO_MANY_SUBSCRIPTIONS",
            "ALREADY_SUBSCRIBED", "NOT_SUBSCRIBED", "RECOVERY_GAP", "PRESENCE_DISABLED", "UNAVAILABLE", "UNAUTHORIZED",
            "ALREADY_AUTHENTICATED", "TOO_MANY_REQUESTS");
    private static final String LAST_PING = "{\"type\":\"ping\",\"id\":\"fuzz-last\"}";

    private static TestGateway gateway;
    private static CapturedLogs logs;

    @BeforeAll
    static void start() throws Exception {
        gateway = HubGateways.start(HubGateways.STANDARD);
        logs = CapturedLogs.everyLogger();
    }

    @AfterAll
    static void stop() {
        logs.close();
        gateway.close();
    }

    @FuzzTest(maxDuration = "15s")
    void messagesNeverBreakTheHub(FuzzedDataProvider data) throws Exception {
        BugDetectors.allowNetworkConnections((host, port) -> host.equals("localhost") || host.startsWith("127."));
        logs.clear();
        String path = data.pickValue(PATHS);
        String[] headers = data.consumeBoolean() ? new String[] {"X-User", "alice"} : new String[0];
        List<String> sent = new ArrayList<>();
        boolean sentClose = false;
        Integer closeCode = null;
        boolean answeredLastPing = false;
        try (RawWebSocket socket = RawWebSocket.connect(gateway.ws(path), headers)) {
            try {
                int frames = data.consumeInt(1, 8);
                for (int i = 0; i < frames && data.remainingBytes() > 0; i++) {
                    sent.add(frame(socket, data));
                    sentClose |= sent.get(sent.size() - 1).startsWith("close");
                }
                socket.sendText(LAST_PING);
            }
            catch (SocketException e) {
                // The hub closed the connection before the rest was written; its close frame is read below.
            }
            while (true) {
                RawWebSocket.Frame frame = socket.readFrame();
                if (frame == null) {
                    break;
                }
                if (frame.opcode() == RawWebSocket.CLOSE) {
                    closeCode = frame.closeCode();
                    break;
                }
                if (frame.opcode() == RawWebSocket.PING) {
                    socket.pong(frame.payload());
                }
                else if (frame.opcode() == RawWebSocket.TEXT && isLastPong(frame.text(), sent)) {
                    answeredLastPing = true;
                    break;
                }
            }
        }
        catch (RawWebSocket.HandshakeRefusedException e) {
            // Refused before any message (a route's channel the user may not subscribe to).
            assertThat(e.status()).as("the upgrade's status").isLessThan(500);
            return;
        }
        if (closeCode != null) {
            assertThat(closeCode).as("the close code after %s", sent).isNotEqualTo(1011);
            if (!sentClose) {
                assertThat(closeCode).as("the close code after %s", sent).isIn(CLIENT_FAULTS);
            }
        }
        else {
            assertThat(answeredLastPing || sentClose).as("the last ping answered, or a close, after %s", sent).isTrue();
        }
        assertThat(logs.warningsWithOrigin()).as("warnings and errors logged for %s", sent).isEmpty();

        try (HubClient next = HubClient.connect(gateway, "/ws")) {
            next.next("subscribed");
            next.request("{\"type\":\"ping\"}", "pong");
        }
    }

    /** Whether {@code text}, a message from the hub, is the pong of the last ping; checks every message on the way. */
    private static boolean isLastPong(String text, List<String> sent) throws IOException {
        JsonNode message = HubClient.JSON.readTree(text);
        String type = message.path("type").asText();
        assertThat(type).as("the type of %s after %s", text, sent).isNotEmpty();
        if (type.equals("error")) {
            assertThat(message.path("code").asText()).as("the code of %s after %s", text, sent).isIn(ERROR_CODES);
        }
        return type.equals("pong") && message.path("id").asText().equals("fuzz-last");
    }

    /** Sends one frame chosen and filled by the fuzzer; returns what it was, for messages. */
    private static String frame(RawWebSocket socket, FuzzedDataProvider data) throws IOException {
        switch (data.consumeInt(0, 7)) {
            case 0, 1, 2, 3 -> {
                String message = FuzzedMessages.message(data);
                socket.sendText(message);
                return "text " + message;
            }
            case 4 -> {
                byte[] bytes = data.consumeBytes(200);
                socket.send(RawWebSocket.TEXT, bytes);
                return "text of " + bytes.length + " bytes";
            }
            case 5 -> {
                byte[] bytes = data.consumeBytes(200);
                socket.send(RawWebSocket.BINARY, bytes);
                return "binary of " + bytes.length + " bytes";
            }
            case 6 -> {
                byte[] payload = data.consumeBytes(130);
                socket.send(RawWebSocket.CLOSE, payload);
                return "close of " + payload.length + " bytes";
            }
            default -> {
                int opcode = data.consumeInt(0, 15);
                byte[] payload = data.consumeBytes(130);
                socket.send(opcode, payload);
                return (opcode == RawWebSocket.CLOSE ? "close" : "opcode " + opcode) + " of " + payload.length + " bytes";
            }
        }
    }
}
