package zkchain.infra;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

/** A blocking call (JDBC, web3j) run on a dispatcher meant for it, never on the default one. */
public final class Blocking {
  private Blocking() {}

  public static <T> CompletableFuture<T> call(Executor dispatcher, Callable<T> call) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return call.call();
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new CompletionException(e);
      }
    }, dispatcher);
  }
}
