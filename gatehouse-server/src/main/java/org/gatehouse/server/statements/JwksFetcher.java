package org.gatehouse.server.statements;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.gatehouse.server.net.Cidr;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches a publisher's JWKS from its URL: https only, to public addresses only (checked after the
 * name is resolved), no redirects, short timeouts, a size limit — so that a JWKS URL cannot be
 * used to probe the server's own machine or network (SSRF). Every failure answers with the same
 * few words: nothing fetched, no status code and no error text of the other side is echoed.
 * Plain http to a loopback address is allowed only with {@code GATEHOUSE_STATEMENT_JWKS_ALLOW_HTTP_LOOPBACK}
 * (for tests and local development).
 */
public final class JwksFetcher {
    private static final Logger LOG = LoggerFactory.getLogger(JwksFetcher.class);
    static final int MAX_BYTES = 256 * 1024;
    static final String REFUSED = "the JWKS URL must be an https URL of a public address";
    static final String FAILED = "the JWKS could not be fetched";
    /**
     * Destinations that are not the public internet (RFC 6890 special-purpose registries): this
     * host, private networks, shared address space, link-local, multicast, reserved, and IPv6
     * prefixes that embed an IPv4 address (6to4, NAT64, IPv4-compatible).
     */
    private static final List<Cidr> NOT_PUBLIC = Cidr.parseList("0.0.0.0/8 10.0.0.0/8 100.64.0.0/10 127.0.0.0/8 169.254.0.0/16"
            + " 172.16.0.0/12 192.0.0.0/24 192.0.2.0/24 192.88.99.0/24 192.168.0.0/16 198.18.0.0/15 198.51.100.0/24"
            + " 203.0.113.0/24 224.0.0.0/4 240.0.0.0/4 ::/96 ::1/128 64:ff9b::/96 64:ff9b:1::/48 100::/64 2001:db8::/32"
            + " 2002::/16 fc00::/7 fe80::/10 fec0::/10 ff00::/8");

    private final boolean allowHttpLoopback;
    private final HttpClient client = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();

    /** @param allowHttpLoopback plain http, and loopback destinations, allowed (tests and local development only) */
    public JwksFetcher(boolean allowHttpLoopback) {
        this.allowHttpLoopback = allowHttpLoopback;
    }

    /** Checks a JWKS URL's form before it is stored or fetched (no name is resolved here). */
    public URI checkUrl(String url) {
        URI u;
        try {
            u = new URI(url);
        } catch (Exception e) {
            throw new IllegalArgumentException("the JWKS URL is not a URL");
        }
        if (url.length() > 2000 || u.getHost() == null || u.getRawUserInfo() != null || u.getRawFragment() != null) {
            throw new IllegalArgumentException("the JWKS URL must be an absolute https URL without user info or fragment");
        }
        if ("https".equalsIgnoreCase(u.getScheme())) return u;
        if (allowHttpLoopback && "http".equalsIgnoreCase(u.getScheme())) return u;
        throw new IllegalArgumentException("the JWKS URL must use https");
    }

    /** The JWKS document's text; IOException, with one of two fixed messages, for every failure. */
    public String fetch(String url) throws IOException {
        URI u;
        try {
            u = checkUrl(url);
        } catch (IllegalArgumentException e) {
            throw new IOException(REFUSED);
        }
        checkDestination(u);
        HttpRequest req = HttpRequest.newBuilder(u).timeout(Duration.ofSeconds(10))
                .header("Accept", "application/jwk-set+json, application/json").GET().build();
        HttpResponse<InputStream> r;
        try {
            r = client.send(req, HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failed(u, "interrupted");
        } catch (IOException | IllegalArgumentException e) {
            throw failed(u, e.getClass().getSimpleName());
        }
        try (InputStream in = r.body()) {
            if (r.statusCode() != 200) throw failed(u, "HTTP " + r.statusCode() + " (redirects are not followed)");
            byte[] body;
            try {
                body = in.readNBytes(MAX_BYTES + 1);
            } catch (IOException e) {
                throw failed(u, e.getClass().getSimpleName());
            }
            if (body.length > MAX_BYTES) throw new IOException("the JWKS is larger than " + MAX_BYTES + " bytes");
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /** The operator's log gets the host and the kind of failure; the caller gets the fixed message. */
    private static IOException failed(URI u, String why) {
        LOG.warn("JWKS fetch from {} failed: {}", u.getHost(), why);
        return new IOException(FAILED);
    }

    /**
     * Resolves the host and refuses it when any of its addresses is not public. The HTTP client
     * resolves the name again when it connects; the JDK's address cache (30 s by default,
     * networkaddress.cache.ttl) answers that second lookup with the addresses checked here.
     */
    private void checkDestination(URI u) throws IOException {
        InetAddress[] all;
        try {
            all = InetAddress.getAllByName(u.getHost());
        } catch (UnknownHostException | SecurityException e) {
            throw new IOException(FAILED);
        }
        boolean plainHttp = "http".equalsIgnoreCase(u.getScheme());
        for (InetAddress a : all) {
            boolean ok = allowHttpLoopback && a.isLoopbackAddress() || !plainHttp && isPublic(a);
            if (!ok) throw new IOException(REFUSED);
        }
    }

    static boolean isPublic(InetAddress a) {
        return !(a.isAnyLocalAddress() || a.isLoopbackAddress() || a.isLinkLocalAddress() || a.isSiteLocalAddress()
                || a.isMulticastAddress() || Cidr.anyContains(NOT_PUBLIC, a.getHostAddress()));
    }
}
