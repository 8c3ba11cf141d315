package org.gatehouse.server.domain;

/**
 * A software publisher whose statements registration accepts (RFC 7591 §2.3). Exactly one of
 * {@code jwks} (a public JWK Set, inline) and {@code jwksUrl} is set; {@code maxAgeSeconds} is null
 * when statements of any age are accepted.
 */
public record PublisherRecord(String id, String name, String jwks, String jwksUrl, Long maxAgeSeconds, long createdAt,
                              String createdBy) {
}
