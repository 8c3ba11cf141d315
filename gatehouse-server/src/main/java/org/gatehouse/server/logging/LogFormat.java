package org.gatehouse.server.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import org.slf4j.LoggerFactory;

/**
 * Where and how Gatehouse logs (docs/operations.md, "Logs"). Both formats go to stderr, one event a line.
 * <ul>
 * <li>text (logback.xml): time, level, thread, logger, {@code rid=} the request id, the formatted message and
 * any stack trace;</li>
 * <li>json (GATEHOUSE_LOG_FORMAT=json): logback's own JsonEncoder with the formatted message
 * ({@code formattedMessage}, never the bare pattern with its {@code {}}), the {@code arguments}, the
 * {@code throwable} with its class, message, stack frames and causes, {@code loggerName}, {@code level},
 * {@code threadName}, {@code timestamp} and the {@code mdc} with the {@code request_id}.</li>
 * </ul>
 * GATEHOUSE_LOG_LEVEL sets the level of Gatehouse's own loggers except the notices and the access log,
 * which stay at INFO (the access log is switched by GATEHOUSE_ACCESS_LOG). Console notices (the start line, the
 * first admin's setup link) are {@linkplain #notice printed} on stdout in the text format and are log events
 * in the JSON format, so that every line a JSON deployment writes parses as JSON.
 * Gatehouse logs no secrets, Authorization headers or bodies in either format.
 */
public final class LogFormat {
    /** The logger console notices are written to in the JSON format. */
    public static final String NOTICE_LOGGER = "org.gatehouse.notice";
    /** The access log's logger: on or off by GATEHOUSE_ACCESS_LOG, not by the level. */
    public static final String ACCESS_LOGGER = "org.gatehouse.access";
    private static volatile boolean json;

    private LogFormat() {
    }

    public static void apply(String format, String level) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx)) return;
        ctx.getLogger("org.gatehouse").setLevel(Level.toLevel(level, Level.INFO));
        // Children inherit that level: GATEHOUSE_LOG_LEVEL=WARN must not swallow the start line, the first
        // admin's setup link (notices) or an access log that GATEHOUSE_ACCESS_LOG turned on.
        ctx.getLogger(NOTICE_LOGGER).setLevel(Level.INFO);
        ctx.getLogger(ACCESS_LOGGER).setLevel(Level.INFO);
        if (!"json".equals(format)) return;
        JsonEncoder encoder = new JsonEncoder();
        encoder.setContext(ctx);
        encoder.setWithSequenceNumber(false);
        encoder.setWithNanoseconds(false);
        encoder.setWithContext(false);
        // The bare message is the pattern ("could not {}: {}"); the formatted one has its arguments filled in.
        encoder.setWithMessage(false);
        encoder.setWithFormattedMessage(true);
        encoder.setWithArguments(true);
        encoder.setWithThrowable(true);
        encoder.start();
        ConsoleAppender<ILoggingEvent> appender = new ConsoleAppender<>();
        appender.setContext(ctx);
        appender.setName("JSON");
        appender.setTarget("System.err");
        appender.setEncoder(encoder);
        appender.start();
        Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
        root.detachAndStopAllAppenders();
        root.addAppender(appender);
        json = true;
    }

    /**
     * A line for the person at the console: stdout in the text format, an INFO event of {@value #NOTICE_LOGGER}
     * in the JSON format (its own stream would be mixed with the log's by journald and container runtimes).
     */
    public static void notice(String line) {
        if (json) {
            LoggerFactory.getLogger(NOTICE_LOGGER).info(line);
        } else {
            System.out.println(line);
        }
    }
}
