package dev.tollgate.plugin.backendhttp;

import dev.tollgate.runtime.testing.TestGateway;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

class ScratchTest {
    static String raw(int port, String request) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(1500);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            StringBuilder text = new StringBuilder();
            byte[] buffer = new byte[8192];
            try {
                int read;
                while ((read = in.read(buffer)) > 0) {
                    text.append(new String(buffer, 0, read, StandardCharsets.ISO_8859_1));
                }
            }
            catch (SocketTimeoutException e) {
                // done
            }
            return text.toString();
        }
    }

    @Test
    void probe() throws Exception {
        TestBackendHandler handler = new TestBackendHandler();
        try (JettyBackend backend = JettyBackend.clearText(handler);
             TestGateway gateway = TestGateway.builder().plugin("backend-http", new HttpBackendPlugin()).config("""
                services { plain { backend = http, instances = ["%s"] } }
                routes = [ { path = "/h1/**", service = { name = plain, strip-prefix = "/h1" } }
                           { path = "/gate", endpoint = { name = test-gate, gate = g } } ]
                """.formatted(backend.url("http"))).start()) {
            try (Socket socket = new Socket("127.0.0.1", gateway.gateway().httpPort())) {
                socket.setSoTimeout(3000);
                socket.getOutputStream().write("POST /h1/upload HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n".getBytes());
                Thread.sleep(500);
                byte[] b = new byte[1000]; int n = socket.getInputStream().read(b);
                System.out.println("FIRST: " + new String(b, 0, n));
                socket.getOutputStream().write("hello".getBytes());
                n = socket.getInputStream().read(b);
                System.out.println("SECOND: " + new String(b, 0, n));
            }
            System.out.println("REJECT EXPECT:\n" + raw(gateway.gateway().httpPort(), "POST /h1/reject HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"));
            System.out.println("REJECT EXPECT AGAIN:\n" + raw(gateway.gateway().httpPort(), "POST /h1/reject HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"));
        }
    }
}
