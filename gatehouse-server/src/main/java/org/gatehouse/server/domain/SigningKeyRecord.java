package org.gatehouse.server.domain;

/** A signing key as stored; the private JWK is encrypted under the master key. */
public record SigningKeyRecord(
        String kid,
        String alg,
        KeyState state,
        String publicJwk,
        String privateJwkEnc,
        long createdAt,
        Long activatedAt,
        Long retiredAt,
        Long publishUntil) {
}
