# Production image: the lean jar (no embedded PostgreSQL/Kafka). Roles are chosen by CTRLPLANE_ROLES.
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml .
COPY conf conf
COPY src src
COPY demo demo
RUN mvn -B -DskipTests package && javac -d target/demo demo/DemoApp.java

FROM eclipse-temurin:17-jre
WORKDIR /app
COPY --from=build /src/target/ctrlplane.jar /app/ctrlplane.jar
COPY conf /app/conf
# the demo app the process provider's walkthrough deploys (an agent runs it with this JRE)
COPY --from=build /src/target/demo /app/apps/demo
USER 10001
EXPOSE 8080
ENTRYPOINT ["java", "-jar", "/app/ctrlplane.jar", "serve"]
