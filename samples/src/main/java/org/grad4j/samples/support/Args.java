package org.grad4j.samples.support;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The samples' command line: {@code --name=value} options and {@code --flag}s.
 *
 * <ul>
 *   <li>{@code --epochs=N}: how many optimisation steps;</li>
 *   <li>{@code --plot=FILE.png}: where to write the loss curve;</li>
 *   <li>{@code --results=FILE}: a properties file of the final numbers (the integration tests read it);</li>
 *   <li>{@code --check-gradient}: compare grad4j's gradient with central differences first;</li>
 *   <li>{@code --every=N}: print a progress line every N epochs.</li>
 * </ul>
 */
public final class Args {
    private final Map<String, String> options = new HashMap<>();

    public Args(String[] args) {
        for (String a : args) {
            if (!a.startsWith("--")) throw new IllegalArgumentException("unknown argument '" + a + "'; options look like --epochs=200");
            int eq = a.indexOf('=');
            if (eq < 0) options.put(a.substring(2), "true");
            else options.put(a.substring(2, eq), a.substring(eq + 1));
        }
    }

    public int integer(String name, int otherwise) {
        String v = options.get(name);
        return v == null ? otherwise : Integer.parseInt(v);
    }

    public boolean flag(String name) {
        return Boolean.parseBoolean(options.getOrDefault(name, "false"));
    }

    public Path path(String name) {
        String v = options.get(name);
        return v == null ? null : Path.of(v);
    }

    public String string(String name, String otherwise) {
        return options.getOrDefault(name, otherwise);
    }
}
