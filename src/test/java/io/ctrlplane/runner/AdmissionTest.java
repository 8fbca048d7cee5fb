package io.ctrlplane.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("A runner admits new deployments only under max_active and a short backlog of moves")
class AdmissionTest {
  private final Admission admission = new Admission(10, 2, 100);

  @Test
  @DisplayName("an idle runner claims up to max_active, never more than a batch")
  void idle() {
    assertThat(admission.claimable(0, 0)).isEqualTo(10);
    assertThat(new Admission(10_000, 8, 100).claimable(0, 0)).isEqualTo(100);
    assertThat(admission.admitting(0, 0)).isTrue();
  }

  @Test
  @DisplayName("a runner holding max_active claims nothing, whatever its backlog")
  void full() {
    assertThat(admission.claimable(10, 0)).isZero();
    assertThat(admission.admitting(10, 0)).isFalse();
    assertThat(admission.claimable(7, 0)).isEqualTo(3);
  }

  @Test
  @DisplayName("a backlog of 16 due moves per slot stops admission; below it the batch shrinks")
  void backlog() {
    Admission big = new Admission(10_000, 2, 100);
    assertThat(big.backlogLimit()).isEqualTo(32);
    assertThat(big.claimable(50, 32)).isZero();
    assertThat(big.admitting(50, 32)).isFalse();
    assertThat(big.claimable(50, 30)).isEqualTo(2);
    assertThat(big.claimable(50, 0)).isEqualTo(32);
  }

  @Test
  @DisplayName("limits must be positive")
  void limits() {
    assertThatThrownBy(() -> new Admission(0, 1, 1)).isInstanceOf(IllegalArgumentException.class);
  }
}
