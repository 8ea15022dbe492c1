package io.cohort.coordinator.security;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.cohort.crypto.pki.EnrolmentTokens;
import java.util.HexFormat;

/**
 * Where a coordinator keeps the one-time enrolment tokens it issued: in this process ({@link #local}), or in the
 * coordinator cluster ({@link #cluster}), so that a token issued by one node enrols a client at any node.
 *
 * <p><b>Security guarantees.</b> Only each token's SHA-256 is kept. Redeeming removes the digest atomically (in a
 * cluster: one map removal on the entry's owner), so of two concurrent redemptions of a token, at any nodes, exactly
 * one succeeds. A cluster book looks tokens up by digest rather than comparing in constant time: the digest of a
 * 256-bit random token leaks nothing usable through timing. <b>Not</b> provided: expiry in the cluster book, and any
 * protection from whoever can reach the cluster's member port: Hazelcast Community Edition neither authenticates nor
 * encrypts member traffic, so such a party can put a digest of its own and enrol (as it could rewrite the run state).
 * Keep the cluster on a private network (the default binds loopback).
 */
public interface EnrolmentTokenBook {
  /** The Hazelcast map of a cluster book: hex SHA-256 of each outstanding token. */
  String MAP_NAME = "cohort.enrolment-tokens";

  /** A new token; shown once. */
  String issue();

  /** True, once, for an outstanding token; false for anything else. */
  boolean redeem(String token);

  /** How many issued tokens are not redeemed yet. */
  int outstanding();

  /** This process's book. */
  static EnrolmentTokenBook local(EnrolmentTokens tokens) {
    return new EnrolmentTokenBook() {
      @Override
      public String issue() {
        return tokens.issue();
      }

      @Override
      public boolean redeem(String token) {
        return tokens.redeem(token);
      }

      @Override
      public int outstanding() {
        return tokens.outstanding();
      }
    };
  }

  /** The cluster's book: digests in the Hazelcast map {@link #MAP_NAME}. Blocking calls. */
  static EnrolmentTokenBook cluster(HazelcastInstance hazelcast) {
    IMap<String, Boolean> digests = hazelcast.getMap(MAP_NAME);
    return new EnrolmentTokenBook() {
      @Override
      public String issue() {
        String token = EnrolmentTokens.newToken();
        digests.set(key(token), Boolean.TRUE);
        return token;
      }

      @Override
      public boolean redeem(String token) {
        if (token == null || token.isEmpty() || token.length() > 256) {
          return false;
        }
        return digests.remove(key(token)) != null;
      }

      @Override
      public int outstanding() {
        return digests.size();
      }

      private String key(String token) {
        return HexFormat.of().formatHex(EnrolmentTokens.digest(token));
      }
    };
  }
}
