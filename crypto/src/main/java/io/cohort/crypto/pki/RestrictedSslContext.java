package io.cohort.crypto.pki;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.KeyManagementException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;

/**
 * An initialised JDK {@link SSLContext} whose sockets, server sockets, engines and default parameters enable only
 * TLS 1.3 and 1.2, and, on the client side, endpoint identification "HTTPS". JVM-wide settings (system properties,
 * {@code java.security}) are left alone: the restriction lives in the context handed out.
 */
final class RestrictedSslContext extends SSLContext {
  static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

  RestrictedSslContext(SSLContext initialised, boolean clientSide) {
    super(new Spi(initialised, clientSide), initialised.getProvider(), initialised.getProtocol());
  }

  private static final class Spi extends SSLContextSpi {
    private final SSLContext delegate;
    private final boolean clientSide;

    Spi(SSLContext delegate, boolean clientSide) {
      this.delegate = delegate;
      this.clientSide = clientSide;
    }

    @Override
    protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom random)
        throws KeyManagementException {
      throw new KeyManagementException("this context is already initialised; build a new one with TlsContexts");
    }

    @Override
    protected SSLSocketFactory engineGetSocketFactory() {
      return new Sockets(delegate.getSocketFactory(), this);
    }

    @Override
    protected SSLServerSocketFactory engineGetServerSocketFactory() {
      return new ServerSockets(delegate.getServerSocketFactory());
    }

    @Override
    protected SSLEngine engineCreateSSLEngine() {
      return configure(delegate.createSSLEngine());
    }

    @Override
    protected SSLEngine engineCreateSSLEngine(String host, int port) {
      return configure(delegate.createSSLEngine(host, port));
    }

    @Override
    protected SSLSessionContext engineGetServerSessionContext() {
      return delegate.getServerSessionContext();
    }

    @Override
    protected SSLSessionContext engineGetClientSessionContext() {
      return delegate.getClientSessionContext();
    }

    @Override
    protected SSLParameters engineGetDefaultSSLParameters() {
      return restrict(delegate.getDefaultSSLParameters(), clientSide);
    }

    @Override
    protected SSLParameters engineGetSupportedSSLParameters() {
      return restrict(delegate.getSupportedSSLParameters(), false);
    }

    private SSLEngine configure(SSLEngine engine) {
      engine.setSSLParameters(restrict(engine.getSSLParameters(), clientSide));
      return engine;
    }

    /** Client-mode sockets of a client context get endpoint identification; server-mode ones never do. */
    SSLSocket configure(Socket socket, boolean clientMode) {
      SSLSocket ssl = (SSLSocket) socket;
      ssl.setSSLParameters(restrict(ssl.getSSLParameters(), clientSide && clientMode));
      return ssl;
    }
  }

  static SSLParameters restrict(SSLParameters parameters, boolean identifyEndpoint) {
    List<String> available = Arrays.asList(parameters.getProtocols());
    String[] allowed = PROTOCOLS.stream().filter(available::contains).toArray(String[]::new);
    if (allowed.length == 0) {
      throw new IllegalStateException("neither TLSv1.3 nor TLSv1.2 is available; enabled: " + available);
    }
    parameters.setProtocols(allowed);
    String identification = parameters.getEndpointIdentificationAlgorithm();
    if (identifyEndpoint && (identification == null || identification.isEmpty())) {
      parameters.setEndpointIdentificationAlgorithm("HTTPS");
    }
    return parameters;
  }

  private static final class Sockets extends SSLSocketFactory {
    private final SSLSocketFactory delegate;
    private final Spi spi;

    Sockets(SSLSocketFactory delegate, Spi spi) {
      this.delegate = delegate;
      this.spi = spi;
    }

    @Override
    public String[] getDefaultCipherSuites() {
      return delegate.getDefaultCipherSuites();
    }

    @Override
    public String[] getSupportedCipherSuites() {
      return delegate.getSupportedCipherSuites();
    }

    @Override
    public Socket createSocket() throws IOException {
      return spi.configure(delegate.createSocket(), true);
    }

    @Override
    public Socket createSocket(Socket s, String host, int port, boolean autoClose) throws IOException {
      return spi.configure(delegate.createSocket(s, host, port, autoClose), true);
    }

    @Override
    public Socket createSocket(Socket s, InputStream consumed, boolean autoClose) throws IOException {
      return spi.configure(delegate.createSocket(s, consumed, autoClose), false);
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
      return spi.configure(delegate.createSocket(host, port), true);
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
      return spi.configure(delegate.createSocket(host, port, localHost, localPort), true);
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
      return spi.configure(delegate.createSocket(host, port), true);
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
        throws IOException {
      return spi.configure(delegate.createSocket(address, port, localAddress, localPort), true);
    }
  }

  private static final class ServerSockets extends SSLServerSocketFactory {
    private final SSLServerSocketFactory delegate;

    ServerSockets(SSLServerSocketFactory delegate) {
      this.delegate = delegate;
    }

    @Override
    public String[] getDefaultCipherSuites() {
      return delegate.getDefaultCipherSuites();
    }

    @Override
    public String[] getSupportedCipherSuites() {
      return delegate.getSupportedCipherSuites();
    }

    @Override
    public ServerSocket createServerSocket() throws IOException {
      return configure(delegate.createServerSocket());
    }

    @Override
    public ServerSocket createServerSocket(int port) throws IOException {
      return configure(delegate.createServerSocket(port));
    }

    @Override
    public ServerSocket createServerSocket(int port, int backlog) throws IOException {
      return configure(delegate.createServerSocket(port, backlog));
    }

    @Override
    public ServerSocket createServerSocket(int port, int backlog, InetAddress address) throws IOException {
      return configure(delegate.createServerSocket(port, backlog, address));
    }

    private static ServerSocket configure(ServerSocket socket) {
      SSLServerSocket ssl = (SSLServerSocket) socket;
      ssl.setSSLParameters(restrict(ssl.getSSLParameters(), false));
      return ssl;
    }
  }
}
