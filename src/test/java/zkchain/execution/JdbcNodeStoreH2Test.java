package zkchain.execution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;

class JdbcNodeStoreH2Test extends NodeStoreContract {
  private final JdbcDataSource h2 = new JdbcDataSource();

  JdbcNodeStoreH2Test() {
    h2.setURL("jdbc:h2:mem:nodes" + System.nanoTime() + ";DB_CLOSE_DELAY=-1;DATABASE_TO_UPPER=false");
  }

  @Override
  NodeStore openStore() {
    JdbcNodeStore store = new JdbcNodeStore(h2);
    assertEquals("H2", store.dialect());
    return store;
  }

  @Test
  void worksWithH2sDefaultUpperCaseIdentifiersToo() {
    JdbcDataSource upper = new JdbcDataSource();
    upper.setURL("jdbc:h2:mem:upper" + System.nanoTime() + ";DB_CLOSE_DELAY=-1");
    new JdbcNodeStore(upper).putAll(nodes(0, 10));
    nodes(0, 10).forEach((k, v) -> org.junit.jupiter.api.Assertions.assertArrayEquals(v,
        new JdbcNodeStore(upper).get(k).orElseThrow()));
  }

  @Test
  void refusesATableNameThatIsNotAPlainIdentifier() {
    assertThrows(IllegalArgumentException.class, () -> new JdbcNodeStore(h2, "nodes; DROP TABLE x"));
  }
}
