package org.gatehouse.server.portal;

import java.util.List;
import org.gatehouse.server.stats.Figures;

/**
 * What the dashboard (tag/pictures.jte) and a token's page draw from the figures of {@link Figures}: pure, built
 * from the service's answer, unit-tested on its own.
 */
public record Pictures(Chart registrations, Chart tokenRequests, StatusChart installations, List<Figures.Attention> attention,
                       boolean moreAttention, boolean wholeSystem) {

    /** The dashboard's pictures: the whole system (an admin) or an account's own tokens. */
    public static Pictures of(Figures.Overview o) {
        String whose = o.wholeSystem() ? " (all accounts)" : "";
        return new Pictures(
                Chart.perDay("chart-registrations", "Registrations per day" + whose, "registration", "registrations", o.registrations()),
                Chart.perDay("chart-token-requests", "Token requests per day" + whose, "token request", "token requests", o.tokenRequests()),
                StatusChart.of("chart-installations", "Installations by status" + whose, o.installations()),
                o.attention(), o.moreAttention(), o.wholeSystem());
    }

    /** A token's page: its registrations and token requests per day. */
    public static Pictures token(Figures.TokenActivity a) {
        return new Pictures(
                Chart.perDay("chart-registrations", "Registrations per day with this token", "registration", "registrations", a.registrations()),
                Chart.perDay("chart-token-requests", "Token requests per day by its installations", "token request", "token requests",
                        a.tokenRequests()),
                null, List.of(), false, false);
    }

    /** Why a token is listed, in words: "expires in 3 days", "190 of 200 registrations used (95 %)". */
    public static String why(Figures.Attention a) {
        StringBuilder b = new StringBuilder();
        if (a.expiresSoon()) b.append(a.daysLeft() == 0 ? "expires within a day" : "expires in " + Chart.plural(a.daysLeft(), "day"));
        if (a.nearLimit()) {
            if (b.length() > 0) b.append("; ");
            int max = a.token().maxRegistrations();
            b.append(Chart.number(a.token().registrations())).append(" of ").append(Chart.count(max, "registration", "registrations"))
                    .append(" used (").append(StatusChart.percent(a.token().registrations(), max)).append(")");
        }
        return b.toString();
    }
}
