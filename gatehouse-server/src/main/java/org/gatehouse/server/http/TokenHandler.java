package org.gatehouse.server.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.zip.GZIPOutputStream;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;
import org.gatehouse.server.errors.InvalidInput;
import org.gatehouse.server.errors.OAuthError;
import org.gatehouse.server.net.ClientAddress;
import org.gatehouse.server.oauth.Requests;
import org.gatehouse.server.oauth.Responses;
import org.gatehouse.server.oauth.TokenEndpoint;
import org.gatehouse.server.ratelimit.FailureGuard;

/**
 * POST /token as a bare Jetty handler ahead of Javalin (issue 18 Must 2: Jetty and Javalin around the token endpoint
 * were ≈ 45 % of a grant's CPU, more than the endpoint itself). It does for that path exactly what the Javalin chain
 * does, in the same order and through the same code: the request id ({@link Operations#requestId}), the security
 * headers ({@link HttpServer#SECURITY_HEADERS}), the client address ({@link ClientAddress}), the failed-authentication
 * limit before any credential is looked at and its count after a 401 ({@link HttpServer#refuseIfGuessing},
 * {@link HttpServer#countFailure}), {@link TokenEndpoint#grant}, the error rendering ({@link Responses#error},
 * {@link HttpServer#unexpected}), the metrics and access log line ({@link Operations#finished}, before the response is
 * written, as Javalin's request logger runs before the response is flushed), and Javalin's gzip of a response of
 * 1,500 bytes or more for a client that accepts it.
 *
 * <p>It takes only the plain request, decided from its head before anything is read: method POST (no
 * X-HTTP-Method-Override), path exactly {@code /token}, one Content-Type that is
 * {@code application/x-www-form-urlencoded} with no parameter or {@code charset=utf-8}, and a Content-Length within
 * GATEHOUSE_MAX_BODY_BYTES. Everything else (other methods, {@code /token/}, chunked or oversized bodies, other
 * content types and charsets) goes on to Javalin as before, which answers it as it always did. TLS, the PROXY
 * protocol, Jetty's own errors (JsonErrorHandler) and the graceful stop (connectors) work below the handlers and are
 * the same for both. GATEHOUSE_TOKEN_FAST_PATH=false sends POST /token through Javalin too.
 */
final class TokenHandler extends Handler.Wrapper {
    private static final String PATH = "/token";
    private static final String FORM = "application/x-www-form-urlencoded";
    /** Javalin's CompressionStrategy.defaultMinSizeForCompression and its Gzip level. */
    private static final int GZIP_MIN_BYTES = 1500;
    private static final int GZIP_LEVEL = 6;
    /** Javalin's JettyConfig.clientAbortStatus and timeoutStatus: what a request whose body could not be read is logged as. */
    private static final int CLIENT_ABORT_STATUS = 499;
    private static final int TIMEOUT_STATUS = 408;
    /** Requests this handler answered (for TokenHandlerTest: that the plain grant does not reach Javalin). */
    static final java.util.concurrent.atomic.LongAdder ANSWERED = new java.util.concurrent.atomic.LongAdder();

    private final TokenEndpoint token;
    private final Operations ops;
    private final ClientAddress clientAddress;
    private final FailureGuard failureGuard;
    private final long maxBodyBytes;

    TokenHandler(TokenEndpoint token, Operations ops, ClientAddress clientAddress, FailureGuard failureGuard, long maxBodyBytes) {
        this.token = token;
        this.ops = ops;
        this.clientAddress = clientAddress;
        this.failureGuard = failureGuard;
        this.maxBodyBytes = maxBodyBytes;
    }

    /**
     * Puts this handler innermost in the server's wrappers (inside Javalin's StatisticsHandler), where Javalin then
     * attaches its servlet context as this handler's child.
     */
    void insertInto(Server server) {
        Handler h = server.getHandler();
        Handler.Wrapper innermost = null;
        while (h instanceof Handler.Wrapper w) {
            innermost = w;
            h = w.getHandler();
        }
        if (innermost == null) {
            server.setHandler(this);
        } else if (h == null) {
            innermost.setHandler(this);
        } else {
            throw new IllegalStateException("the server already has a handler inside its wrappers: " + h);
        }
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        if (!takes(request)) return super.handle(request, response, callback);
        ANSWERED.increment();
        long start = System.nanoTime();
        Answer out = new Answer(response);
        out.header(Operations.REQUEST_ID, Operations.requestId(request.getHeaders().get(Operations.REQUEST_ID)));
        for (String[] h : HttpServer.SECURITY_HEADERS) out.header(h[0], h[1]);
        String address = clientAddress.resolve(Request.getRemoteAddr(request), request.getHeaders().getValuesList("X-Forwarded-For"));
        try {
            HttpServer.refuseIfGuessing(failureGuard, address, PATH);
            token.grant(new In(request, address), out);
        } catch (Exception e) {
            out.fail(e);
        }
        try {
            HttpServer.countFailure(failureGuard, out.status, address, PATH);
        } catch (Exception e) {
            out.fail(e);
        }
        ops.finished("POST", PATH, out.status, out.error, (System.nanoTime() - start) / 1_000_000f, () -> PATH);
        out.send(request, callback);
        return true;
    }

    /** The plain POST /token (see the class comment), decided from the request's head alone. */
    private boolean takes(Request request) {
        if (!"POST".equals(request.getMethod()) || !PATH.equals(request.getHttpURI().getPath())) return false;
        HttpFields headers = request.getHeaders();
        if (headers.contains("X-HTTP-Method-Override")) return false;
        long length = request.getLength();
        if (length < 0 || length > maxBodyBytes) return false;
        List<String> types = headers.getValuesList(HttpHeader.CONTENT_TYPE);
        return types.size() == 1 && plainForm(types.get(0));
    }

    /** application/x-www-form-urlencoded, alone or with charset=utf-8: the body is then read as UTF-8 by both paths. */
    static boolean plainForm(String type) {
        int semi = type.indexOf(';');
        if (semi < 0) return type.trim().equalsIgnoreCase(FORM);
        if (!type.substring(0, semi).trim().equalsIgnoreCase(FORM)) return false;
        String param = type.substring(semi + 1).trim();
        return param.regionMatches(true, 0, "charset=", 0, 8) && param.substring(8).trim().equalsIgnoreCase("utf-8");
    }

    /** The request as TokenEndpoint reads it. */
    private static final class In implements Requests.Input {
        private final Request request;
        private final String address;

        In(Request request, String address) {
            this.request = request;
            this.address = address;
        }

        @Override
        public String header(String name) {
            return request.getHeaders().get(name);
        }

        @Override
        public Iterator<String> headers(String name) {
            return request.getHeaders().getValuesList(name).iterator();
        }

        @Override
        public String body() {
            // Content-Length is within GATEHOUSE_MAX_BODY_BYTES (takes): no 413 here. Read as bytes, then decoded as
            // Javalin does (malformed UTF-8 replaced, not refused).
            ByteBuffer b;
            try {
                b = Content.Source.asByteBuffer(request);
            } catch (IOException e) {
                throw new Unread(e);
            }
            byte[] bytes = new byte[b.remaining()];
            b.get(bytes);
            return new String(bytes, StandardCharsets.UTF_8);
        }

        @Override
        public String clientAddress() {
            return address;
        }
    }

    /** The body could not be read (the client went away, or a timeout): Javalin answers no body and logs 499 or 408. */
    private static final class Unread extends RuntimeException {
        Unread(IOException cause) {
            super(cause);
        }

        @Override
        public synchronized IOException getCause() {
            return (IOException) super.getCause();
        }
    }

    /** The response being built: status and headers on Jetty's response, the body kept until it is sent. */
    private static final class Answer implements Responses.Sink {
        private final Response response;
        int status = 200;
        String error;
        private String body;
        private boolean unread;

        Answer(Response response) {
            this.response = response;
        }

        @Override
        public void status(int status) {
            this.status = status;
        }

        @Override
        public void header(String name, String value) {
            response.getHeaders().put(name, value);
        }

        @Override
        public void body(String contentType, String body) {
            // As the servlet layer writes it: the charset in lower case.
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType.replace("charset=UTF-8", "charset=utf-8"));
            this.body = body;
        }

        @Override
        public void error(String code) {
            this.error = code;
        }

        /** The exception handlers of HttpServer.create, in Javalin's order of lookup. */
        void fail(Exception e) {
            if (e instanceof OAuthError o) {
                Responses.error(this, o);
            } else if (e instanceof InvalidInput i) {
                Responses.invalidInput(this, 400, i);
            } else if (e instanceof Unread u && isAbortOrTimeout(u.getCause())) {
                unread = true;
                body = null;
                status = u.getCause() instanceof EofException ? CLIENT_ABORT_STATUS : TIMEOUT_STATUS;
            } else if (e instanceof Unread u) {
                Responses.error(this, HttpServer.unexpected(u.getCause(), "POST", PATH));
            } else {
                Responses.error(this, HttpServer.unexpected(e, "POST", PATH));
            }
        }

        /** Javalin's ExceptionMapper: a client abort (Jetty's EofException) or a Jetty timeout is logged, not answered. */
        private static boolean isAbortOrTimeout(IOException e) {
            return e instanceof EofException || e.getCause() instanceof TimeoutException;
        }

        void send(Request request, Callback callback) {
            response.setStatus(status);
            if (unread || body == null) {
                response.write(true, null, callback);
                return;
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            if (bytes.length >= GZIP_MIN_BYTES && acceptsGzip(request.getHeaders().get(HttpHeader.ACCEPT_ENCODING))) {
                bytes = gzip(bytes);
                response.getHeaders().put(HttpHeader.CONTENT_ENCODING, "gzip");
            }
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
            response.write(true, ByteBuffer.wrap(bytes), callback);
        }
    }

    /** Javalin's CompressionStrategy.findMatchingCompressor with gzip alone: a comma-separated token equal to "gzip". */
    static boolean acceptsGzip(String acceptEncoding) {
        if (acceptEncoding == null) return false;
        for (String t : acceptEncoding.split(",")) {
            if (t.trim().equalsIgnoreCase("gzip")) return true;
        }
        return false;
    }

    private static byte[] gzip(byte[] bytes) {
        ByteArrayOutputStream b = new ByteArrayOutputStream(bytes.length / 2);
        try (GZIPOutputStream z = new GZIPOutputStream(b) {
            {
                def.setLevel(GZIP_LEVEL);
            }
        }) {
            z.write(bytes);
        } catch (IOException e) {
            throw new IllegalStateException(e); // in memory: cannot happen
        }
        return b.toByteArray();
    }
}
