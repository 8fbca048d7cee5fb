package io.ctrlplane.strategy;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The strategy core is plain Java")
class StrategyCoreTest {
  private static final JavaClasses MAIN =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("io.ctrlplane.strategy");

  @Test
  @DisplayName("no Vert.x (so no JsonObject or JsonArray) outside the JSON edge, strategy.json")
  void noVertxInTheCore() {
    noClasses()
        .that()
        .resideInAPackage("io.ctrlplane.strategy")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("io.vertx..")
        .check(MAIN);
  }

  @Test
  @DisplayName("the core does not know its JSON edge")
  void coreDoesNotUseTheEdge() {
    noClasses()
        .that()
        .resideInAPackage("io.ctrlplane.strategy")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("io.ctrlplane.strategy.json")
        .check(MAIN);
  }
}
