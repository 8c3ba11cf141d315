package org.gatehouse.bench.jmh;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.gatehouse.server.Gatehouse;
import org.gatehouse.server.audit.Actor;
import org.gatehouse.server.config.Config;
import org.gatehouse.server.registration.RegistrationService;
import org.gatehouse.server.domain.ClientRecord;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/** Client authentication as the token endpoint does it (primary-key lookup on the embedded H2, then one keyed hash). */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ClientLookupBench {
    private Gatehouse g;
    private Path dir;
    private String basic;

    @Setup
    public void setup() throws Exception {
        dir = Files.createTempDirectory("gatehouse-jmh");
        g = Gatehouse.open(Config.load(Map.of("GATEHOUSE_CONFIG", "/dev/null", "GATEHOUSE_DATA_DIR", dir.toString())));
        String iat = g.iats.create(org.gatehouse.server.iat.IatService.Spec.of("jmh", 10, Duration.ofDays(1), null), Actor.cli()).token();
        RegistrationService.Issued c = g.registrations.register(iat, Map.of("client_name", "jmh"), new Actor("jmh", "127.0.0.1"));
        basic = "Basic " + Base64.getEncoder().encodeToString((c.client().clientId() + ":" + c.secret()).getBytes(StandardCharsets.UTF_8));
    }

    @TearDown
    public void tearDown() throws Exception {
        g.close();
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Benchmark
    public ClientRecord authenticate() {
        return g.clientAuthenticator.authenticate(basic, Map.of());
    }
}
