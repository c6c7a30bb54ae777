package org.grad4j.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * Starts a program in a fresh JVM, the way a user does: {@code java [-javaagent:grad4j-agent.jar]
 * -cp samples:runtime Main args...}, and collects its exit code, output and results file.
 */
final class ChildJvm {
    /** The shaded agent built by the agent module: {@code agent/target/grad4j-agent.jar}. */
    static Path agentJar() {
        String path = System.getProperty("grad4j.agent.jar");
        if (path == null) fail("system property grad4j.agent.jar is not set; run the integration tests with `mvn verify`");
        Path jar = Path.of(path).toAbsolutePath().normalize();
        assertTrue(Files.isRegularFile(jar), "the agent jar " + jar + " does not exist; build it with `mvn verify` "
                + "(or `mvn -B -q install -DskipTests`)");
        return jar;
    }

    /** The application's class path: the samples and grad4j-runtime, nothing of the agent. */
    static String applicationClassPath() {
        String cp = System.getProperty("grad4j.application.classpath");
        if (cp == null || cp.isBlank()) fail("system property grad4j.application.classpath is not set; run with `mvn verify`");
        return cp;
    }

    /** ND4J and its dependencies: what a tensor program needs beyond {@link #applicationClassPath()}. */
    static String nd4jClassPath() {
        String cp = System.getProperty("grad4j.nd4j.classpath");
        if (cp == null || cp.isBlank()) fail("system property grad4j.nd4j.classpath is not set; run with `mvn verify`");
        return cp;
    }

    static Path outputDirectory(String name) {
        Path dir = Path.of(System.getProperty("grad4j.it.output", "target/it-output"), name).toAbsolutePath();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }

    /** What a finished child JVM left. */
    record Run(List<String> command, int exitCode, String stdout, String stderr, Properties results) {
        String describe() {
            return "command: " + String.join(" ", command) + "\nexit code " + exitCode + "\n--- stdout ---\n" + stdout
                    + "--- stderr ---\n" + stderr;
        }

        Run assertSucceeded() {
            assertEquals(0, exitCode, () -> "the program failed\n" + describe());
            return this;
        }

        double number(String key) {
            String v = results.getProperty(key);
            if (v == null) fail("the program wrote no result '" + key + "'\n" + describe());
            return Double.parseDouble(v);
        }
    }

    private final List<String> jvmOptions = new ArrayList<>();
    private final java.util.Map<String, String> environment = new java.util.LinkedHashMap<>();
    private String classPath = applicationClassPath();
    private long timeoutSeconds = 120;

    /** Attach the grad4j agent with -javaagent. */
    ChildJvm withAgent() {
        jvmOptions.add("-javaagent:" + agentJar());
        return this;
    }

    ChildJvm option(String jvmOption) {
        jvmOptions.add(jvmOption);
        return this;
    }

    /** An environment variable of the child (on top of this JVM's environment). */
    ChildJvm env(String name, String value) {
        environment.put(name, value);
        return this;
    }

    ChildJvm classPath(String cp) {
        this.classPath = cp;
        return this;
    }

    ChildJvm timeout(long seconds) {
        this.timeoutSeconds = seconds;
        return this;
    }

    /** Runs {@code mainClass} with {@code args}; a {@code --results=FILE} option is added and read back. */
    Run run(String mainClass, String... args) {
        Path out = outputDirectory(mainClass.substring(mainClass.lastIndexOf('.') + 1));
        Path results = out.resolve(System.nanoTime() + ".properties");
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(classPath);
        command.add(mainClass);
        command.addAll(Arrays.asList(args));
        command.add("--results=" + results);
        try {
            Path stdout = Files.createTempFile(out, "stdout", ".txt");
            Path stderr = Files.createTempFile(out, "stderr", ".txt");
            ProcessBuilder builder = new ProcessBuilder(command).directory(out.toFile())
                    .redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
            builder.environment().putAll(environment);
            Process p = builder.start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                fail("timed out after " + timeoutSeconds + " s: " + String.join(" ", command) + "\n--- stdout ---\n"
                        + Files.readString(stdout) + "--- stderr ---\n" + Files.readString(stderr));
            }
            Properties props = new Properties();
            if (Files.exists(results)) {
                try (InputStream in = Files.newInputStream(results)) {
                    props.load(in);
                }
            }
            return new Run(command, p.exitValue(), Files.readString(stdout, StandardCharsets.UTF_8),
                    Files.readString(stderr, StandardCharsets.UTF_8), props);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
