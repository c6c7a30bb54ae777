package org.grad4j.samples.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** The numbers a sample ends with, written as a properties file when {@code --results=FILE} is given. */
public final class Results {
    private final Map<String, String> values = new TreeMap<>();

    public Results put(String key, double value) {
        values.put(key, String.format(Locale.ROOT, "%.17g", value));
        return this;
    }

    public Results put(String key, String value) {
        values.put(key, value);
        return this;
    }

    public void writeTo(Path file) {
        if (file == null) return;
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            try (Writer w = Files.newBufferedWriter(file)) {
                for (Map.Entry<String, String> e : values.entrySet()) w.write(e.getKey() + "=" + e.getValue() + "\n");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
