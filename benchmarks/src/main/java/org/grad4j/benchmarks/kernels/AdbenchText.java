package org.grad4j.benchmarks.kernels;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** ADBench's text inputs: whitespace-separated numbers, read in order. */
final class AdbenchText {
    private AdbenchText() {}

    static List<Double> numbers(InputStream in) {
        List<Double> numbers = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII))) {
            for (String line; (line = r.readLine()) != null; ) {
                for (String t : line.trim().split("\\s+")) if (!t.isEmpty()) numbers.add(Double.parseDouble(t));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return numbers;
    }
}
