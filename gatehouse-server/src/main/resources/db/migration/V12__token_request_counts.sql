-- Issue 14 (pictures): token requests per hour, per initial access token and overall. Counted in memory on
-- each node (no database write per token request, DESIGN §5) and added here by the periodic last-seen flush,
-- an upsert that ADDS, so that several nodes sharing the database sum up. iat_id '*' is the whole system
-- (every token request, including those of clients without a token or whose token was not counted on its own).
-- Kept for 90 days (the maintenance job purges older hours).
CREATE TABLE token_requests_hourly (
    iat_id     VARCHAR(40) NOT NULL,
    hour_start BIGINT NOT NULL,
    requests   BIGINT NOT NULL,
    CONSTRAINT token_requests_hourly_pk PRIMARY KEY (iat_id, hour_start)
);
CREATE INDEX token_requests_hourly_hour ON token_requests_hourly (hour_start);
