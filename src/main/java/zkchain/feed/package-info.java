/**
 * The sequencer feed (PROTOCOL.md §6). Server side: {@link zkchain.feed.FeedLog} holds the signed
 * batches in order ({@link zkchain.feed.JdbcFeedLog}, table feed_batch) and
 * {@link zkchain.feed.FeedServer} serves them on {@code GET /feed?from=N}. Node side:
 * {@link zkchain.feed.FeedSource} reads one of several feed URLs and emits only verified batches,
 * in order; a relay appends what it emits to its own FeedLog and serves that.
 */
package zkchain.feed;
