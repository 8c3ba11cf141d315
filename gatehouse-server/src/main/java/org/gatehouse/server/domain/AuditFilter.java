package org.gatehouse.server.domain;

/** Audit filters; null fields do not filter. */
public record AuditFilter(String actor, String action, String subject, Long from, Long to) {
}
