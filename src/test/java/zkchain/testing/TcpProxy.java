package zkchain.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback TCP proxy that a test can take down, black-hole and bring back: an L1 endpoint or a
 * database that fails. Down cuts every connection; a black hole keeps them open and drops every
 * byte (a firewall that lost its state): whoever waits on such a connection waits until its own
 * timeout, even after the proxy is up again, as on a real network.
 */
public final class TcpProxy implements AutoCloseable {
  private final ServerSocket server;
  private final int targetPort;
  private final List<Socket> open = new CopyOnWriteArrayList<>();
  /** Connections that went through a black hole: they stay dead. */
  private final java.util.Set<Socket> holed = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private volatile boolean up = true;
  private volatile boolean blackHole;
  /** Bytes a second each way, 0 for no limit: a slow link. */
  private volatile long bytesPerSecond;

  private TcpProxy(int targetPort) throws IOException {
    this.targetPort = targetPort;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread accept = new Thread(this::accept, "tcp-proxy-" + server.getLocalPort());
    accept.setDaemon(true);
    accept.start();
  }

  public static TcpProxy to(int targetPort) throws IOException {
    return new TcpProxy(targetPort);
  }

  public String url() {
    return "http://127.0.0.1:" + server.getLocalPort();
  }

  /** Every connection is cut and new ones are closed at once. */
  public void down() {
    up = false;
    open.forEach(TcpProxy::closeQuietly);
    open.clear();
  }

  public void up() {
    blackHole = false;
    up = true;
  }

  /** Connections stay open, new ones are accepted, and nothing passes either way until {@link #up()}. */
  public void blackHole() {
    blackHole = true;
    holed.addAll(open);
  }

  /** A slow link: each connection passes at most this many bytes a second each way (0: no limit). */
  public TcpProxy throttle(long bytesPerSecond) {
    this.bytesPerSecond = bytesPerSecond;
    return this;
  }

  public int port() {
    return server.getLocalPort();
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        if (!up) {
          closeQuietly(client);
          continue;
        }
        if (blackHole) {
          // accepted, never answered: the client's connect succeeds and its first read hangs
          open.add(client);
          holed.add(client);
          continue;
        }
        Socket target = new Socket(InetAddress.getLoopbackAddress(), targetPort);
        open.add(client);
        open.add(target);
        pipe(client, target);
        pipe(target, client);
      } catch (IOException e) {
        // closed: the proxy is going away
      }
    }
  }

  private void pipe(Socket from, Socket to) {
    Thread t = new Thread(() -> {
      try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
        byte[] buffer = new byte[8192];
        int n;
        while ((n = in.read(buffer, 0, bytesPerSecond > 0 ? (int) Math.min(buffer.length, bytesPerSecond) : buffer.length)) >= 0) {
          if (blackHole || holed.contains(from) || holed.contains(to)) continue; // dropped
          out.write(buffer, 0, n);
          out.flush();
          if (bytesPerSecond > 0) Thread.sleep(Math.max(1, n * 1000L / bytesPerSecond));
        }
      } catch (IOException | InterruptedException e) {
        // one side closed
      } finally {
        closeQuietly(from);
        closeQuietly(to);
      }
    }, "tcp-proxy-pipe");
    t.setDaemon(true);
    t.start();
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // already closed
    }
  }

  @Override
  public void close() throws IOException {
    down();
    server.close();
  }
}
