package zkchain.execution;

import java.nio.file.Files;
import java.nio.file.Path;

/** /work/shared as surefire passes it (zkchain.shared.dir); vectors are read in place, never copied. */
final class SharedDir {
  private SharedDir() {}

  static Path resolve(String relative) {
    String dir = System.getProperty("zkchain.shared.dir");
    if (dir == null) throw new IllegalStateException("system property zkchain.shared.dir is not set (surefire sets it)");
    Path p = Path.of(dir).resolve(relative);
    if (!Files.exists(p)) throw new IllegalStateException(p.toAbsolutePath() + " does not exist");
    return p;
  }
}
