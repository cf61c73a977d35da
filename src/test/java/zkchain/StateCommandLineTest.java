package zkchain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** replay and snapshot on the command line: flags, defaults, and what is refused before anything runs. */
class StateCommandLineTest {
  @Test
  void replayFlags() throws Exception {
    var all = Main.replayOptions(Main.parse(new String[] {"replay", "--data-dir", "/tmp/x"}).config());
    assertEquals(new zkchain.state.Replay.Options(1, 0, true, false, false), all);
    var range = Main.replayOptions(Main.parse(new String[] {"replay", "--from", "5", "--to", "9"}).config());
    assertEquals(5, range.from());
    assertEquals(9, range.to());
    var projections = Main.replayOptions(Main.parse(new String[] {"replay", "--rebuild-projections"}).config());
    assertFalse(projections.verify(), "--rebuild-projections alone re-executes nothing");
    assertTrue(projections.rebuildProjections());
    var state = Main.replayOptions(Main.parse(new String[] {"replay", "--rebuild-state"}).config());
    assertTrue(state.rebuildState());
    assertThrows(Main.UsageException.class, () -> Main.parse(new String[] {"replay", "--from", "x"}));
    assertThrows(Main.UsageException.class, () -> Main.parse(new String[] {"replay", "--from", "9", "--to", "5"}));
    assertThrows(Main.UsageException.class,
        () -> Main.parse(new String[] {"replay", "--rebuild-state", "--from", "5"}));
    assertTrue(Main.USAGE.contains("replay") && Main.USAGE.contains("snapshot export"));
  }

  @Test
  void snapshotCommands() throws Exception {
    var export = Main.parse(new String[] {"snapshot", "export", "--to", "s.zip"}).config();
    assertEquals("export", export.getString("zkchain.snapshot.command"));
    assertEquals("s.zip", export.getString("zkchain.snapshot.file"));
    var imp = Main.parse(new String[] {"snapshot", "import", "--from", "s.zip", "--l1", "http://x"}).config();
    assertEquals("import", imp.getString("zkchain.snapshot.command"));
    assertThrows(Main.UsageException.class, () -> Main.parse(new String[] {"snapshot"}));
    assertThrows(Main.UsageException.class, () -> Main.parse(new String[] {"snapshot", "export"}));
    assertThrows(Main.UsageException.class, () -> Main.parse(new String[] {"node", "--from", "1"}));
  }
}
