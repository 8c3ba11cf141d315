package org.gatehouse.server.logging;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import org.slf4j.LoggerFactory;

/**
 * GATEHOUSE_LOG_FORMAT=json: one JSON object per line on stderr (logback's JsonEncoder: timestamp,
 * level, logger, thread, message, and the mdc with the request_id of the request being served).
 * Gatehouse logs no secrets, Authorization headers or bodies in either format.
 */
public final class LogFormat {
    private LogFormat() {
    }

    public static void apply(String format) {
        if (!"json".equals(format) || !(LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx)) return;
        JsonEncoder encoder = new JsonEncoder();
        encoder.setContext(ctx);
        encoder.setWithSequenceNumber(false);
        encoder.setWithNanoseconds(false);
        encoder.setWithContext(false);
        encoder.setWithArguments(false);
        encoder.start();
        ConsoleAppender<ILoggingEvent> json = new ConsoleAppender<>();
        json.setContext(ctx);
        json.setName("JSON");
        json.setTarget("System.err");
        json.setEncoder(encoder);
        json.start();
        Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
        root.detachAndStopAllAppenders();
        root.addAppender(json);
    }
}
