package io.cohort.benchmarks;

import java.io.IOException;
import java.net.Authenticator;
import java.net.CookieHandler;
import java.net.ProxySelector;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.LongAdder;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * A JDK {@link HttpClient} that forwards every call to another one and counts the bytes of the request and response
 * bodies that pass through it, by protocol endpoint: {@code /v1/updates} (a plain update or a masked vector),
 * {@code /v1/secagg} (keys, encrypted shares, unmask shares) and everything else (register, polls, model downloads).
 * HTTP headers and TCP/IP framing are not counted. One instance per SDK client gives bytes per client.
 */
final class ByteCountingHttpClient extends HttpClient {
  /** Endpoint groups that bytes are counted under. */
  enum Endpoint {
    UPDATES, SECAGG, OTHER;

    static Endpoint of(String path) {
      if (path.endsWith("/v1/updates")) {
        return UPDATES;
      }
      return path.endsWith("/v1/secagg") ? SECAGG : OTHER;
    }
  }

  private final HttpClient delegate;
  private final LongAdder[] sent = newCounters();
  private final LongAdder[] received = newCounters();
  private final LongAdder[] requests = newCounters();

  ByteCountingHttpClient(HttpClient delegate) {
    this.delegate = delegate;
  }

  private static LongAdder[] newCounters() {
    LongAdder[] counters = new LongAdder[Endpoint.values().length];
    for (int i = 0; i < counters.length; i++) {
      counters[i] = new LongAdder();
    }
    return counters;
  }

  /** Request-body bytes sent to {@code endpoint} so far. */
  long sent(Endpoint endpoint) {
    return sent[endpoint.ordinal()].sum();
  }

  /** Requests sent to {@code endpoint} so far (retries included). */
  long requests(Endpoint endpoint) {
    return requests[endpoint.ordinal()].sum();
  }

  /** Response-body bytes received from {@code endpoint} so far. */
  long received(Endpoint endpoint) {
    return received[endpoint.ordinal()].sum();
  }

  @Override
  public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler)
      throws IOException, InterruptedException {
    Endpoint endpoint = Endpoint.of(request.uri().getPath());
    return delegate.send(counted(request, endpoint), counted(handler, endpoint));
  }

  @Override
  public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request,
      HttpResponse.BodyHandler<T> handler) {
    Endpoint endpoint = Endpoint.of(request.uri().getPath());
    return delegate.sendAsync(counted(request, endpoint), counted(handler, endpoint));
  }

  @Override
  public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, HttpResponse.BodyHandler<T> handler,
      HttpResponse.PushPromiseHandler<T> push) {
    Endpoint endpoint = Endpoint.of(request.uri().getPath());
    return delegate.sendAsync(counted(request, endpoint), counted(handler, endpoint), push);
  }

  private HttpRequest counted(HttpRequest request, Endpoint endpoint) {
    requests[endpoint.ordinal()].increment();
    Optional<HttpRequest.BodyPublisher> body = request.bodyPublisher();
    if (body.isEmpty()) {
      return request;
    }
    LongAdder counter = sent[endpoint.ordinal()];
    HttpRequest.BodyPublisher inner = body.get();
    HttpRequest.BodyPublisher counting = new HttpRequest.BodyPublisher() {
      @Override
      public long contentLength() {
        return inner.contentLength();
      }

      @Override
      public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
        inner.subscribe(new Flow.Subscriber<ByteBuffer>() {
          @Override
          public void onSubscribe(Flow.Subscription subscription) {
            subscriber.onSubscribe(subscription);
          }

          @Override
          public void onNext(ByteBuffer item) {
            counter.add(item.remaining());
            subscriber.onNext(item);
          }

          @Override
          public void onError(Throwable throwable) {
            subscriber.onError(throwable);
          }

          @Override
          public void onComplete() {
            subscriber.onComplete();
          }
        });
      }
    };
    return HttpRequest.newBuilder(request, (name, value) -> true).method(request.method(), counting).build();
  }

  private <T> HttpResponse.BodyHandler<T> counted(HttpResponse.BodyHandler<T> handler, Endpoint endpoint) {
    LongAdder counter = received[endpoint.ordinal()];
    return info -> {
      HttpResponse.BodySubscriber<T> inner = handler.apply(info);
      return new HttpResponse.BodySubscriber<T>() {
        @Override
        public CompletionStage<T> getBody() {
          return inner.getBody();
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
          inner.onSubscribe(subscription);
        }

        @Override
        public void onNext(List<ByteBuffer> item) {
          for (ByteBuffer buffer : item) {
            counter.add(buffer.remaining());
          }
          inner.onNext(item);
        }

        @Override
        public void onError(Throwable throwable) {
          inner.onError(throwable);
        }

        @Override
        public void onComplete() {
          inner.onComplete();
        }
      };
    };
  }

  @Override
  public Optional<CookieHandler> cookieHandler() {
    return delegate.cookieHandler();
  }

  @Override
  public Optional<Duration> connectTimeout() {
    return delegate.connectTimeout();
  }

  @Override
  public Redirect followRedirects() {
    return delegate.followRedirects();
  }

  @Override
  public Optional<ProxySelector> proxy() {
    return delegate.proxy();
  }

  @Override
  public SSLContext sslContext() {
    return delegate.sslContext();
  }

  @Override
  public SSLParameters sslParameters() {
    return delegate.sslParameters();
  }

  @Override
  public Optional<Authenticator> authenticator() {
    return delegate.authenticator();
  }

  @Override
  public Version version() {
    return delegate.version();
  }

  @Override
  public Optional<Executor> executor() {
    return delegate.executor();
  }
}
