package io.cohort.coordinator.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A network split between cluster members on loopback. Each member advertises a relay (its public address), so every
 * member-to-member connection runs through the relay of the member it goes to; the relay learns which member opened
 * it by finding, in {@code /proc}, the process that owns the connection's other end. {@link #isolate} cuts every
 * connection between one member and the others, in both directions, and refuses new ones until {@link #heal}: the
 * two sides go on running, each on its own, as in a real partition.
 */
final class PartitionRelays implements AutoCloseable {
  private record Link(int from, int to, Socket a, Socket b) {}

  private final List<ServerSocket> servers = new ArrayList<>();
  private final int[] memberPorts;
  private final long[] pids;
  private final Set<Link> links = ConcurrentHashMap.newKeySet();
  private volatile int isolated = -1;
  private volatile int refused;

  PartitionRelays(int[] memberPorts) throws IOException {
    this.memberPorts = memberPorts.clone();
    this.pids = new long[memberPorts.length];
    for (int i = 0; i < memberPorts.length; i++) {
      ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
      servers.add(server);
      int target = i;
      Thread t = new Thread(() -> accept(server, target), "relay-" + i);
      t.setDaemon(true);
      t.start();
    }
  }

  /** The relay port member {@code i} advertises. */
  int relayPort(int i) {
    return servers.get(i).getLocalPort();
  }

  /** Tells the relays which process member {@code i} is. */
  void member(int i, long pid) {
    pids[i] = pid;
  }

  /** Cuts member {@code i} off from the others, both ways, until {@link #heal}. */
  void isolate(int i) {
    isolated = i;
    for (Link link : links) {
      if (crosses(link.from(), link.to())) {
        close(link);
      }
    }
  }

  /** Lets connections through again. */
  void heal() {
    isolated = -1;
  }

  /** Connections refused (or cut at once) since the start because they crossed the split. */
  int refused() {
    return refused;
  }

  private boolean crosses(int from, int to) {
    int cut = isolated;
    return cut >= 0 && (from == cut) != (to == cut);
  }

  private void accept(ServerSocket server, int to) {
    while (!server.isClosed()) {
      try {
        Socket in = server.accept();
        int from = owner(in.getPort(), server.getLocalPort());
        if (isolated >= 0 && (from < 0 || crosses(from, to))) { // an unknown end while split counts as crossing
          refused++;
          in.close();
          continue;
        }
        Socket out = new Socket(InetAddress.getByName("127.0.0.1"), memberPorts[to]);
        Link link = new Link(from, to, in, out);
        links.add(link);
        pump(link, in, out);
        pump(link, out, in);
      } catch (IOException e) {
        // the relay closed, or one connection failed: go on with the next
      }
    }
  }

  private void pump(Link link, Socket from, Socket to) {
    Thread t = new Thread(() -> {
      byte[] buffer = new byte[64 * 1024];
      try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
        for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
          out.write(buffer, 0, n);
          out.flush();
        }
      } catch (IOException e) {
        // cut, or closed by either end
      } finally {
        close(link);
      }
    }, "relay-pump");
    t.setDaemon(true);
    t.start();
  }

  private void close(Link link) {
    links.remove(link);
    try {
      link.a().close();
    } catch (IOException ignored) {
      // closed already
    }
    try {
      link.b().close();
    } catch (IOException ignored) {
      // closed already
    }
  }

  /** The member whose process holds the socket at local port {@code port} connected to {@code relayPort}; -1 if none. */
  private int owner(int port, int relayPort) {
    String inode = inode(port, relayPort);
    if (inode == null) {
      return -1;
    }
    String target = "socket:[" + inode + "]";
    for (int i = 0; i < pids.length; i++) {
      if (pids[i] == 0) {
        continue;
      }
      try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc", Long.toString(pids[i]), "fd"))) {
        for (Path fd : fds) {
          try {
            if (Files.readSymbolicLink(fd).toString().equals(target)) {
              return i;
            }
          } catch (IOException ignored) {
            // closed meanwhile
          }
        }
      } catch (IOException ignored) {
        // process gone
      }
    }
    return -1;
  }

  /** The inode of the TCP socket with local port {@code port} and remote port {@code remotePort}, from /proc/net. */
  private static String inode(int port, int remotePort) {
    String local = String.format(Locale.ROOT, ":%04X", port);
    String remote = String.format(Locale.ROOT, ":%04X", remotePort);
    for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      try {
        for (String line : Files.readAllLines(Path.of(table))) {
          String[] f = line.trim().split("\\s+");
          if (f.length > 9 && f[1].endsWith(local) && f[2].endsWith(remote)) {
            return f[9];
          }
        }
      } catch (IOException ignored) {
        // no such table
      }
    }
    return null;
  }

  @Override
  public void close() throws IOException {
    for (ServerSocket s : servers) {
      s.close();
    }
    for (Link link : links) {
      close(link);
    }
  }
}
