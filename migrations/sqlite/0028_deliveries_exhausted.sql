-- The worker parks pending deliveries that used up their attempts before each batch: without this
-- index that look scanned every pending delivery (70 ms at 200,000 waiting after a burst), holding
-- the writer that acknowledging deliveries waits for.
CREATE INDEX deliveries_exhausted ON deliveries (attempts) WHERE state = 'pending';
