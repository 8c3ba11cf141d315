package org.gatehouse.server.ops;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * One HTTP/1.1 request on a fresh connection with {@code Connection: close}, so that each outcome is
 * exactly one of: a status code, a refused connection, or an I/O error on an accepted connection
 * (a reset or an early close) — the last is what a graceful stop must never cause.
 */
final class RawHttp {
    private RawHttp() {
    }

    sealed interface Outcome permits Status, Refused, Broken {
    }

    record Status(int code, String body) implements Outcome {
    }

    record Refused() implements Outcome {
    }

    record Broken(String why) implements Outcome {
    }

    static Outcome send(int port, String method, String path, String authorization, String contentType, String body) {
        byte[] payload = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        StringBuilder head = new StringBuilder();
        head.append(method).append(' ').append(path).append(" HTTP/1.1\r\n");
        head.append("Host: 127.0.0.1:").append(port).append("\r\n");
        head.append("Connection: close\r\n");
        if (authorization != null) head.append("Authorization: ").append(authorization).append("\r\n");
        if (contentType != null) head.append("Content-Type: ").append(contentType).append("\r\n");
        head.append("Content-Length: ").append(payload.length).append("\r\n\r\n");
        Socket s = new Socket();
        try {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        } catch (IOException e) {
            closeQuietly(s);
            return new Refused();
        }
        try (s) {
            s.setSoTimeout(30_000);
            OutputStream out = s.getOutputStream();
            out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.write(payload);
            out.flush();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            in.transferTo(all);
            String text = all.toString(StandardCharsets.UTF_8);
            if (!text.startsWith("HTTP/1.1 ")) return new Broken("no status line: '" + text + "'");
            int code = Integer.parseInt(text.substring(9, 12));
            int split = text.indexOf("\r\n\r\n");
            return new Status(code, split < 0 ? "" : text.substring(split + 4));
        } catch (IOException e) {
            return new Broken(e.toString());
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }
}
