package org.gatehouse.server.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Address ranges are parsed from literals only: no text ever reaches the resolver. */
class CidrTest {

    @Test
    void ipv4AndIpv6LiteralsAndPrefixes() {
        assertThat(Cidr.parse("10.0.0.0/8").contains("10.255.1.2")).isTrue();
        assertThat(Cidr.parse("10.0.0.0/8").contains("11.0.0.1")).isFalse();
        assertThat(Cidr.parse("10.9.9.9/8")).hasToString("10.0.0.0/8");
        assertThat(Cidr.parse("192.0.2.7").contains("192.0.2.7")).isTrue();
        assertThat(Cidr.parse("192.0.2.7").contains("192.0.2.8")).isFalse();
        assertThat(Cidr.parse("2001:db8::/32").contains("2001:db8:ffff::1")).isTrue();
        assertThat(Cidr.parse("2001:db8::/32").contains("2001:db9::1")).isFalse();
        assertThat(Cidr.parse("[2001:db8::]/32").contains("[2001:DB8::1]")).isTrue();
        assertThat(Cidr.parse("2001:0db8:0000:0000:0000:0000:0000:0001")).hasToString("2001:db8:0:0:0:0:0:1/128");
        assertThat(Cidr.parse("::1").contains("0:0:0:0:0:0:0:1")).isTrue();
        assertThat(Cidr.parse("::/0").contains("2001:db8::1")).isTrue();
        assertThat(Cidr.parse("1::").contains("1:0:0:0:0:0:0:0")).isTrue();
    }

    @Test
    void slashZeroContainsEveryAddressOfItsFamily() {
        Cidr all4 = Cidr.parse("0.0.0.0/0");
        assertThat(all4.contains("203.0.113.9")).isTrue();
        assertThat(all4.contains("255.255.255.255")).isTrue();
        assertThat(all4.contains("2001:db8::1")).isFalse();
        assertThat(Cidr.parse("::/0").contains("203.0.113.9")).isFalse();
    }

    @Test
    void ipv4MappedIpv6AddressesMatchIpv4Ranges() {
        assertThat(Cidr.parse("10.0.0.0/8").contains("::ffff:10.1.2.3")).isTrue();
        assertThat(Cidr.parse("10.0.0.0/8").contains("::ffff:0a01:0203")).isTrue();
        assertThat(Cidr.parse("10.0.0.0/8").contains("::ffff:11.1.2.3")).isFalse();
        assertThat(Cidr.parse("::ffff:10.1.2.3")).hasToString("10.1.2.3/32");
        assertThat(Cidr.parse("::ffff:10.0.0.0/104")).hasToString("10.0.0.0/8");
        assertThat(Cidr.parse("::ffff:10.0.0.0/104").contains("10.200.0.1")).isTrue();
        assertThatThrownBy(() -> Cidr.parse("::ffff:10.0.0.0/95")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void zoneIdsAreDroppedFromAddressesAndMustBeWellFormed() {
        assertThat(Cidr.parse("fe80::/10").contains("fe80::1%eth0")).isTrue();
        assertThat(Cidr.parse("fe80::/10").contains("fe80::1%")).isFalse();
        assertThat(Cidr.parse("fe80::/10").contains("fe80::1%eth0/../x")).isFalse();
        assertThat(Cidr.parse("fe80::/10").contains("fe80::1%a%b")).isFalse();
        assertThat(Cidr.parse("0.0.0.0/0").contains("10.1.2.3%eth0")).isFalse();
    }

    @Test
    void rangesAreNormalisedToTheirNetworkAndPrefixesBounded() {
        assertThat(Cidr.parse("10.1.2.3/8")).hasToString("10.0.0.0/8");
        assertThat(Cidr.parse(" 192.0.2.7 ")).hasToString("192.0.2.7/32");
        assertThat(Cidr.parse("2001:db8::1/32").contains("2001:db8:ffff::1")).isTrue();
        assertThat(Cidr.parse("::ffff:10.0.0.0/104")).hasToString(Cidr.parse("10.0.0.0/8").toString()); // RFC 4291 §2.5.5.2
        for (String bad : List.of("10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/", "10.0.0.0/8/8", "10.0.0.0/0x8", "::/129", "::ffff:10.0.0.0/95",
                "10.0.0.0/1000")) {
            assertThatThrownBy(() -> Cidr.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void aListOfRangesSeparatedBySpacesOrCommas() {
        List<Cidr> ranges = Cidr.parseList("10.0.0.0/8, 192.0.2.0/24  2001:db8::/32,");
        assertThat(ranges).hasSize(3);
        assertThat(Cidr.anyContains(ranges, "192.0.2.200")).isTrue();
        assertThat(Cidr.anyContains(ranges, "2001:db8::5")).isTrue();
        assertThat(Cidr.anyContains(ranges, "::ffff:10.9.9.9")).isTrue();
        assertThat(Cidr.anyContains(ranges, "198.51.100.1")).isFalse();
        assertThat(Cidr.anyContains(ranges, "not an address")).isFalse();
        assertThat(Cidr.parseList(null)).isEmpty();
        assertThat(Cidr.parseList(" , ")).isEmpty();
        assertThatThrownBy(() -> Cidr.parseList("10.0.0.0/8 nonsense")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void anIpv4RangeHoldsNoIpv6AddressAndTheOtherWayRound() {
        assertThat(Cidr.parse("0.0.0.0/0").contains("2001:db8::1")).isFalse();
        assertThat(Cidr.parse("::/0").contains("192.0.2.1")).isFalse();
        assertThat(Cidr.parse("::/0").contains("::ffff:192.0.2.1")).isFalse(); // mapped: it is an IPv4 address
    }

    @Test
    void malformedLiteralsAreRefused() {
        for (String bad : List.of("", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.-4", "1..2.3", "+1.2.3.4",
                "1:2:3:4:5:6:7:8:9", "1::2::3", ":1:2:3:4:5:6:7", "1:2:3:4:5:6:7:", "12345::", "g::1", "::1.2.3",
                "1:2:3:4:5:6:7:1.2.3.4", "1:2:3:4:5:6::7:8:9", "::ffff:1.2.3.4:5", "[::1", "\uff11.2.3.4",
                "1:2:3:4:5:6:7:8/129", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/+8", "10.0.0.0/", "10.0.0.0/8/8")) {
            assertThatThrownBy(() -> Cidr.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(Cidr.parse("1:2:3:4:5:6:1.2.3.4")).hasToString("1:2:3:4:5:6:102:304/128");
        assertThat(Cidr.parse("1:2:3:4:5:6:7::")).hasToString("1:2:3:4:5:6:7:0/128");
    }

    /**
     * Names that look like hex with dots are refused without a lookup. A child JVM reads its names
     * from a hosts file (jdk.net.hosts.file) that maps them to 10.9.8.7: a parser that asked the
     * resolver would accept them, one that does not refuses them.
     */
    @Test
    void namesAreRefusedWithoutAskingTheResolver(@TempDir Path dir) throws Exception {
        Path hosts = dir.resolve("hosts");
        Files.writeString(hosts, "10.9.8.7 dead.beef.cafe.be\n10.9.8.7 a.b.c.d\n10.9.8.7 ab::cd.ef\n", StandardCharsets.US_ASCII);
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Djdk.net.hosts.file=" + hosts, "-cp", System.getProperty("java.class.path"),
                ResolverProbe.class.getName(), "dead.beef.cafe.be", "a.b.c.d", "dead.beef.cafe.be/8")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(out).as(out).contains("dead.beef.cafe.be: refused", "a.b.c.d: refused", "dead.beef.cafe.be/8: refused")
                .doesNotContain("accepted").contains("contains: false");
    }

    /** Run in the child JVM: prints whether each argument parses, and whether 10/8 contains the first. */
    public static final class ResolverProbe {
        public static void main(String[] args) {
            for (String a : args) {
                try {
                    System.out.println(a + ": accepted as " + Cidr.parse(a));
                } catch (IllegalArgumentException e) {
                    System.out.println(a + ": refused");
                }
            }
            System.out.println("contains: " + Cidr.parse("10.0.0.0/8").contains(args[0]));
        }
    }

    /** Issue 14 Must 2: a list a person typed is checked whole, every bad entry named at once, on the given field. */
    @Test
    void parseInputNamesEveryBadEntryAtOnce() {
        assertThat(Cidr.parseInput("client_cidrs", "10.0.0.0/8, 2001:db8::/32").stream().map(Cidr::toString))
                .containsExactly("10.0.0.0/8", "2001:db8:0:0:0:0:0:0/32");
        assertThat(Cidr.parseInput("client_cidrs", null)).isEmpty();
        assertThatThrownBy(() -> Cidr.parseInput("cidrs", "10.0.0.0/33 192.0.2.0/24,nonsense ::ffff:10.1.2.3/200"))
                .isInstanceOfSatisfying(org.gatehouse.server.errors.InvalidInput.class, e -> assertThat(e.fields()).containsOnlyKeys("cidrs")
                        .containsEntry("cidrs", "These are not address ranges: 10.0.0.0/33, nonsense, ::ffff:10.1.2.3/200."
                                + " Write a range as 192.0.2.0/24 or 2001:db8::/32."));
        assertThatThrownBy(() -> Cidr.parseInput("cidrs", "a\u0000b")).hasMessage("This is not an address range: a?b."
                + " Write a range as 192.0.2.0/24 or 2001:db8::/32.");
        assertThatThrownBy(() -> Cidr.parseInput("cidrs", "10.0.0.1 ".repeat(Cidr.MAX_INPUT_RANGES + 1)))
                .hasMessage("Enter at most " + Cidr.MAX_INPUT_RANGES + " address ranges.");
    }
}
