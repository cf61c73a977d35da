package zkchain.feed;

import akka.stream.Attributes;
import akka.stream.FlowShape;
import akka.stream.Inlet;
import akka.stream.Outlet;
import akka.stream.stage.AbstractInHandler;
import akka.stream.stage.AbstractOutHandler;
import akka.stream.stage.GraphStage;
import akka.stream.stage.GraphStageLogic;
import akka.stream.stage.TimerGraphStageLogic;
import java.time.Duration;
import java.util.concurrent.TimeoutException;

/**
 * Fails with a {@link TimeoutException} when an element was asked for and none came within the
 * timeout. Unlike idleTimeout it does not count the time downstream is not asking: a node busy
 * executing batches is not reading its feed, and that is not the feed's silence.
 */
final class SilenceTimeout<T> extends GraphStage<FlowShape<T, T>> {
  private final Duration timeout;
  private final Inlet<T> in = Inlet.create("SilenceTimeout.in");
  private final Outlet<T> out = Outlet.create("SilenceTimeout.out");
  private final FlowShape<T, T> shape = FlowShape.of(in, out);

  SilenceTimeout(Duration timeout) {
    this.timeout = timeout;
  }

  @Override
  public FlowShape<T, T> shape() {
    return shape;
  }

  @Override
  public GraphStageLogic createLogic(Attributes attributes) {
    return new TimerGraphStageLogic(shape) {
      {
        setHandler(in, new AbstractInHandler() {
          @Override
          public void onPush() {
            cancelTimer("silence");
            push(out, grab(in));
          }
        });
        setHandler(out, new AbstractOutHandler() {
          @Override
          public void onPull() {
            scheduleOnce("silence", timeout);
            pull(in);
          }
        });
      }

      @Override
      public void onTimer(Object key) {
        failStage(new TimeoutException("no frame for " + timeout));
      }
    };
  }
}
