# Production image: the lean jar (no embedded PostgreSQL/Kafka). Roles are chosen by CTRLPLANE_ROLES.
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml .
COPY conf conf
COPY src src
RUN mvn -B -DskipTests package

FROM eclipse-temurin:17-jre
WORKDIR /app
COPY --from=build /src/target/ctrlplane.jar /app/ctrlplane.jar
COPY conf /app/conf
USER 10001
EXPOSE 8080
ENTRYPOINT ["java", "-jar", "/app/ctrlplane.jar", "serve"]
