package org.gatehouse.server.domain;

/** A stored credential: public material only. Byte fields are base64url without padding. */
public record SecurityKeyRecord(String id, String accountId, String credentialId, String publicKeyCose, String aaguid,
                                long signCount, String transports, String label, long createdAt, Long lastUsedAt) {
}
