package org.gatehouse.server.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * A slow test class (server processes, crashes, several nodes, haproxy, Chromium, the docs' commands, the soak, and
 * any class that takes more than about 4 s on its own on a quiet 2-core machine, so that the quick set stays near a
 * minute with the compile: issue 14 Must 6):
 * Maven runs it in its own JVM after the quick ones, and {@code -Pfast} leaves it out (gatehouse-server/pom.xml).
 * Classes only, never single methods: a class in both runs would overwrite its own report.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Tag("slow")
public @interface Slow {
}
