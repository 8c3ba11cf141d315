package org.gatehouse.server.http;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Errors Jetty answers before a request reaches Javalin (headers too large: 431, a URI it cannot
 * parse: 400) get the same RFC 6749 §5.2 JSON body as every other error, not Jetty's HTML page.
 * Jetty closes the connection after such an error, so the answer says so (RFC 9112 §9.6): a client
 * must not reuse a connection the server is about to drop and then read nothing from it.
 */
final class JsonErrorHandler extends ErrorHandler {
    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
                                    Callback callback) {
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json;charset=UTF-8");
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        response.getHeaders().put(HttpHeader.CONNECTION, "close");
        response.write(true, body(code), callback);
    }

    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fields.put(new HttpField(HttpHeader.CONTENT_TYPE, "application/json;charset=UTF-8"));
        fields.put(new HttpField(HttpHeader.CACHE_CONTROL, "no-store"));
        fields.put(new HttpField(HttpHeader.CONNECTION, "close"));
        return body(status);
    }

    private static ByteBuffer body(int status) {
        String description = status == 431 ? "the request headers are too large"
                : status == 414 ? "the request URI is too long"
                : status == 413 ? "the request body is too large"
                : status >= 500 ? "internal error" : "bad request";
        String error = status >= 500 ? "server_error" : "invalid_request";
        return ByteBuffer.wrap(("{\"error\":\"" + error + "\",\"error_description\":\"" + description + "\"}")
                .getBytes(StandardCharsets.UTF_8));
    }
}
