package org.gatehouse.server.domain;

/** Moved from store/AuditStore (issue 14: handlers reach the store only through services). */
public record AuditEvent(long id, long at, String actor, String action, String subject, String remoteAddr, String details) {
}
