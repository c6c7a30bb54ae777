package org.grad4j.fuzz.tools;

import java.io.IOException;
import java.io.InputStream;
import java.lang.instrument.ClassFileTransformer;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * How fast the agent looks at classes: every class file of the given jars and directories (and,
 * with {@code --jdk}, of the running JDK's modules) handed to the agent's own
 * {@code ClassFileTransformer}, as the JVM hands it each class it loads, timed over several
 * passes. Prints classes per second, MB per second, and how many classes the agent kept (those
 * mentioning {@code @Differentiable}: none, for an application that has none).
 *
 * <pre>java -cp fuzz/target/classes org.grad4j.fuzz.tools.ScanThroughput agent/target/grad4j-agent.jar [--jdk] JAR_OR_DIR...</pre>
 */
public final class ScanThroughput {
    private ScanThroughput() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: ScanThroughput AGENT_JAR [--jdk] [--passes N] JAR_OR_DIR...");
            System.exit(2);
        }
        Path agent = Path.of(args[0]);
        boolean jdk = false;
        int passes = 7;
        List<Path> inputs = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("--jdk")) jdk = true;
            else if (args[i].equals("--passes")) passes = Integer.parseInt(args[++i]);
            else inputs.add(Path.of(args[i]));
        }
        List<byte[]> classes = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (Path p : inputs) collect(p, classes, names);
        int fromApp = classes.size();
        if (jdk) collectJdk(classes, names);
        long bytes = 0;
        for (byte[] b : classes) bytes += b.length;

        try (URLClassLoader loader = new URLClassLoader(new URL[] {agent.toUri().toURL()}, ClassLoader.getPlatformClassLoader())) {
            Class<?> recordedType = Class.forName("org.grad4j.agent.RecordedClasses", true, loader);
            Constructor<?> rc = recordedType.getDeclaredConstructor();
            rc.setAccessible(true);
            Object recorded = rc.newInstance();
            Constructor<?> tc = Class.forName("org.grad4j.agent.RecordingTransformer", true, loader).getDeclaredConstructor(recordedType);
            tc.setAccessible(true);
            ClassFileTransformer transformer = (ClassFileTransformer) tc.newInstance(recorded);
            Method size = recordedType.getDeclaredMethod("size");
            size.setAccessible(true);

            double[] seconds = new double[passes];
            int changed = 0;
            for (int pass = 0; pass < passes; pass++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < classes.size(); i++) {
                    if (transformer.transform(ScanThroughput.class.getClassLoader(), names.get(i), null, null, classes.get(i)) != null) changed++;
                }
                seconds[pass] = (System.nanoTime() - t0) / 1e9;
            }
            double[] sorted = seconds.clone();
            Arrays.sort(sorted);
            double median = sorted[passes / 2];
            System.out.printf("classes: %,d (%,d from %s%s), %.1f MB of class files%n", classes.size(), fromApp, inputs,
                    jdk ? " + the JDK's modules" : "", bytes / 1e6);
            System.out.printf("scan: median %.1f ms per pass of %d (first pass %.1f ms, cold): %,.0f classes/s, %.0f MB/s%n",
                    median * 1e3, passes, seconds[0] * 1e3, classes.size() / median, bytes / 1e6 / median);
            System.out.printf("kept (mention @Differentiable): %d classes; changed: %d (must be 0)%n", size.invoke(recorded), changed);
        }
    }

    static void collect(Path p, List<byte[]> classes, List<String> names) throws IOException {
        if (Files.isDirectory(p)) {
            try (Stream<Path> s = Files.walk(p)) {
                for (Path f : (Iterable<Path>) s::iterator) {
                    if (f.toString().endsWith(".class")) {
                        classes.add(Files.readAllBytes(f));
                        names.add(p.relativize(f).toString().replace(".class", ""));
                    } else if (f.toString().endsWith(".jar")) {
                        collect(f, classes, names);
                    }
                }
            }
            return;
        }
        try (ZipFile zip = new ZipFile(p.toFile())) {
            Enumeration<? extends ZipEntry> e = zip.entries();
            while (e.hasMoreElements()) {
                ZipEntry z = e.nextElement();
                if (!z.getName().endsWith(".class") || z.getName().startsWith("META-INF/")) continue;
                try (InputStream in = zip.getInputStream(z)) {
                    classes.add(in.readAllBytes());
                    names.add(z.getName().substring(0, z.getName().length() - 6));
                }
            }
        }
    }

    static void collectJdk(List<byte[]> classes, List<String> names) throws IOException {
        FileSystem jrt = FileSystems.getFileSystem(URI.create("jrt:/"));
        try (Stream<Path> s = Files.walk(jrt.getPath("/modules"))) {
            for (Path f : (Iterable<Path>) s::iterator) {
                String n = f.toString();
                if (!n.endsWith(".class") || n.endsWith("module-info.class")) continue;
                classes.add(Files.readAllBytes(f));
                names.add(n.substring(n.indexOf('/', "/modules/".length()) + 1, n.length() - 6));
            }
        }
    }

}
