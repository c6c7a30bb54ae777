package org.grad4j.agent;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;

/**
 * The agent's options, from the {@code -javaagent:grad4j-agent.jar=OPTIONS} string and system
 * properties. The string is a comma-separated list:
 * <ul>
 *   <li>{@code dump=DIR} — write every generated class file under {@code DIR} (also
 *       {@code -Dgrad4j.dump=DIR});</li>
 *   <li>{@code verbose} or {@code verbose=true|false} — one {@code grad4j:} line on
 *       {@code System.err} per generated method (also {@code -Dgrad4j.verbose=true}).</li>
 * </ul>
 * An option in the agent string wins over the system property. Problems never stop the JVM:
 * they become {@link #warnings()}, which the agent prints.
 */
final class AgentOptions {
    static final String DUMP_PROPERTY = "grad4j.dump";
    static final String VERBOSE_PROPERTY = "grad4j.verbose";

    private final Path dumpDirectory;
    private final boolean verbose;
    private final List<String> warnings;

    private AgentOptions(Path dumpDirectory, boolean verbose, List<String> warnings) {
        this.dumpDirectory = dumpDirectory;
        this.verbose = verbose;
        this.warnings = List.copyOf(warnings);
    }

    static AgentOptions defaults() {
        return new AgentOptions(null, false, List.of());
    }

    /** Parses {@code agentArgs} (may be null or empty) over the defaults read from {@code properties}. */
    static AgentOptions parse(String agentArgs, Properties properties) {
        List<String> warnings = new ArrayList<>();
        String dump = properties.getProperty(DUMP_PROPERTY);
        Boolean verbose = bool(properties.getProperty(VERBOSE_PROPERTY), "-D" + VERBOSE_PROPERTY, warnings);
        if (agentArgs != null) {
            for (String item : agentArgs.split(",")) {
                String option = item.trim();
                if (option.isEmpty()) continue;
                int eq = option.indexOf('=');
                String key = (eq < 0 ? option : option.substring(0, eq)).trim().toLowerCase(Locale.ROOT);
                String value = eq < 0 ? null : option.substring(eq + 1).trim();
                switch (key) {
                    case "dump" -> {
                        if (value == null || value.isEmpty()) {
                            warnings.add("agent option 'dump' needs a directory: dump=DIR; ignored");
                        } else {
                            dump = value;
                        }
                    }
                    case "verbose" -> {
                        Boolean v = value == null ? Boolean.TRUE : bool(value, "agent option 'verbose'", warnings);
                        if (v != null) verbose = v;
                    }
                    default -> warnings.add("unknown agent option '" + option + "' ignored (known: dump=DIR, verbose)");
                }
            }
        }
        return new AgentOptions(path(dump, warnings), Boolean.TRUE.equals(verbose), warnings);
    }

    private static Boolean bool(String value, String where, List<String> warnings) {
        if (value == null) return null;
        String v = value.trim().toLowerCase(Locale.ROOT);
        if (v.isEmpty() || v.equals("true")) return Boolean.TRUE;
        if (v.equals("false")) return Boolean.FALSE;
        warnings.add(where + " must be true or false, not '" + value + "'; ignored");
        return null;
    }

    private static Path path(String dump, List<String> warnings) {
        if (dump == null || dump.isBlank()) return null;
        try {
            return Path.of(dump.trim());
        } catch (InvalidPathException e) {
            warnings.add("dump directory '" + dump + "' is not a valid path (" + e.getReason() + "); ignored");
            return null;
        }
    }

    /** Where generated class files are written, or null. */
    Path dumpDirectory() {
        return dumpDirectory;
    }

    boolean verbose() {
        return verbose;
    }

    List<String> warnings() {
        return warnings;
    }

    @Override
    public String toString() {
        return "dump=" + (dumpDirectory == null ? "(off)" : dumpDirectory) + ", verbose=" + verbose;
    }
}
