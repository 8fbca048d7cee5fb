package io.ctrlplane.provider;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The metering wrapper stands in front of every provider: a {@link Provider} method it does not
 * override would run the interface's default on the wrapper instead of the real provider (a restart
 * once hung that way, its renewReplicas answering "unsupported").
 */
class MeteredProviderTest {
  @Test
  void forwardsEveryProviderMethod() {
    List<String> missing =
        Arrays.stream(Provider.class.getMethods())
            .filter(m -> !Modifier.isStatic(m.getModifiers()))
            .filter(m -> !declaredBy(MeteredProvider.class, m))
            .map(Method::getName)
            .toList();
    assertThat(missing).as("Provider methods MeteredProvider does not forward").isEmpty();
  }

  private static boolean declaredBy(Class<?> type, Method m) {
    try {
      type.getDeclaredMethod(m.getName(), m.getParameterTypes());
      return true;
    } catch (NoSuchMethodException e) {
      return false;
    }
  }
}
