package io.ctrlplane.api;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("A token bucket")
class TokenBucketTest {
  private static final long SECOND = 1_000_000_000L;

  @Test
  @DisplayName("lets a burst through, then one request per refill, and says how long to wait")
  void burstThenRate() {
    TokenBucket b = new TokenBucket(3, 2, 0);
    assertThat(b.take(0)).isZero();
    assertThat(b.take(0)).isZero();
    assertThat(b.take(0)).isZero();
    assertThat(b.take(0)).isEqualTo(SECOND / 2);
    assertThat(b.take(SECOND / 4)).isEqualTo(SECOND / 4);
    assertThat(b.take(SECOND / 2)).isZero();
    assertThat(b.take(SECOND / 2)).isEqualTo(SECOND / 2);
  }

  @Test
  @DisplayName("never holds more than its capacity, and is full again when idle long enough")
  void capped() {
    TokenBucket b = new TokenBucket(2, 1, 0);
    b.take(0);
    assertThat(b.full(0)).isFalse();
    assertThat(b.full(SECOND)).isTrue();
    assertThat(b.take(100 * SECOND)).isZero();
    assertThat(b.take(100 * SECOND)).isZero();
    assertThat(b.take(100 * SECOND)).isPositive();
  }

  @Test
  @DisplayName("refills at a fraction of a token a second (the audit sample: 3 a minute)")
  void slowRate() {
    TokenBucket b = new TokenBucket(3, 3 / 60.0, 0);
    for (int i = 0; i < 3; i++) {
      assertThat(b.take(0)).isZero();
    }
    assertThat(b.take(0)).isEqualTo(20 * SECOND);
    assertThat(b.take(20 * SECOND)).isZero();
  }
}
