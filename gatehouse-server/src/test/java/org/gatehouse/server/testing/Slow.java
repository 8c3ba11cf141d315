package org.gatehouse.server.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * A slow test class (server processes, crashes, several nodes, haproxy, Chromium, the docs' commands, the soak):
 * Maven runs it in its own JVM after the quick ones, and {@code -Pfast} leaves it out (gatehouse-server/pom.xml).
 * Classes only, never single methods: a class in both runs would overwrite its own report.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Tag("slow")
public @interface Slow {
}
