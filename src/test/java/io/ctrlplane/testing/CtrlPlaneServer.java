package io.ctrlplane.testing;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs a test class against a Ctrl Plane of its own on the shared embedded PostgreSQL and Kafka
 * ({@link TestStack}: started once per test JVM). Before the class's {@code @BeforeAll} methods the
 * extension creates the class's database (a copy of the migrated template) and topic, starts {@link
 * #roles()} in-process, and opens one {@link ApiClient} and one {@link Sql} on them; after the
 * class it closes them all. Test and lifecycle methods take them as parameters: {@link ApiClient},
 * {@link Sql}, {@link io.ctrlplane.config.AppConfig} and {@link CtrlPlane} (the handle, for the
 * server, its settings and special setups such as extra servers or child processes).
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(CtrlPlaneExtension.class)
public @interface CtrlPlaneServer {
  /**
   * The roles started in this JVM, as {@code serve --roles} takes them; empty: none (the class gets
   * its database, topic, config and DB helper, and starts what it needs through {@link CtrlPlane}).
   */
  String roles() default "api,runner,relay";

  /**
   * Settings over the test defaults, each {@code dotted.key=value}, e.g. {@code
   * "runner.instances=2"}; a value that parses as JSON (number, boolean, object) is taken as such,
   * anything else as a string.
   */
  String[] config() default {};

  /** When set, an {@code agent} section for an agent of this id on 127.0.0.1 ({@link Agents}). */
  String agent() default "";
}
