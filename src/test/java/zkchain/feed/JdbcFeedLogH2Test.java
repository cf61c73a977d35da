package zkchain.feed;

import javax.sql.DataSource;

class JdbcFeedLogH2Test extends FeedLogContract {
  @Override
  DataSource database() {
    return FeedFixtures.h2("feedlog");
  }
}
