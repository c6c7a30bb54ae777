package org.grad4j.fuzz.run;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.FileObject;
import javax.tools.ForwardingJavaFileManager;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.StandardLocation;
import javax.tools.ToolProvider;

/**
 * javac in this JVM, from strings to class-file bytes in memory: the programs grad4j sees are
 * real javac output, with line numbers ({@code -g}).
 */
public final class InMemoryCompiler {
    private final JavaCompiler javac;
    private final StandardJavaFileManager files;
    private final List<String> options;

    /** Compiles against the class path entries that hold {@code classpathAnchors} (grad4j's API, the oracle). */
    public InMemoryCompiler(Class<?>... classpathAnchors) {
        javac = ToolProvider.getSystemJavaCompiler();
        if (javac == null) throw new IllegalStateException("no system Java compiler: run on a JDK, not a JRE");
        files = javac.getStandardFileManager(null, Locale.ROOT, null);
        List<String> cp = new ArrayList<>();
        for (Class<?> c : classpathAnchors) {
            try {
                String entry = Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
                if (!cp.contains(entry)) cp.add(entry);
            } catch (URISyntaxException e) {
                throw new IllegalStateException(e);
            }
        }
        options = List.of("-g", "-parameters", "-nowarn", "-proc:none", "--release", "17", "-classpath", String.join(File.pathSeparator, cp));
    }

    /** A failed compilation: the diagnostics. */
    public static final class CompileError extends RuntimeException {
        private static final long serialVersionUID = 1L;

        CompileError(String message) {
            super(message);
        }
    }

    /**
     * Compiles {@code sources} (file name without ".java" → text, all in package {@code pkg}) in
     * one javac run; returns binary class name → bytes.
     */
    public synchronized Map<String, byte[]> compile(String pkg, Map<String, String> sources) {
        List<JavaFileObject> units = new ArrayList<>();
        for (Map.Entry<String, String> s : sources.entrySet()) units.add(new Source(pkg, s.getKey(), s.getValue()));
        Map<String, ByteArrayOutputStream> out = new LinkedHashMap<>();
        ForwardingJavaFileManager<StandardJavaFileManager> manager = new ForwardingJavaFileManager<>(files) {
            @Override
            public JavaFileObject getJavaFileForOutput(Location location, String className, JavaFileObject.Kind kind,
                                                       FileObject sibling) {
                return new SimpleJavaFileObject(URI.create("mem:///" + className.replace('.', '/') + kind.extension), kind) {
                    @Override
                    public OutputStream openOutputStream() {
                        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                        out.put(className, bytes);
                        return bytes;
                    }
                };
            }
        };
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        StringWriter log = new StringWriter();
        boolean ok = javac.getTask(log, manager, diagnostics, options, null, units).call();
        if (!ok) {
            StringBuilder sb = new StringBuilder("javac failed:\n");
            for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
                if (d.getKind() != Diagnostic.Kind.ERROR) continue;
                sb.append(d.getSource() == null ? "?" : d.getSource().getName()).append(':').append(d.getLineNumber())
                        .append(": ").append(d.getMessage(Locale.ROOT)).append('\n');
            }
            throw new CompileError(sb.append(log).toString());
        }
        Map<String, byte[]> classes = new LinkedHashMap<>();
        out.forEach((name, bytes) -> classes.put(name, bytes.toByteArray()));
        return classes;
    }

    private static final class Source extends SimpleJavaFileObject {
        private final String text;

        Source(String pkg, String name, String text) {
            super(URI.create("string:///" + pkg.replace('.', '/') + "/" + name + ".java"), Kind.SOURCE);
            this.text = text;
        }

        @Override
        public CharSequence getCharContent(boolean ignoreEncodingErrors) {
            return text;
        }
    }

    /** Defines compiled classes on demand and serves their bytes as resources (where grad4j may read them). */
    public static final class MemoryLoader extends ClassLoader {
        private final Map<String, byte[]> classes;

        public MemoryLoader(ClassLoader parent, Map<String, byte[]> classes) {
            super(parent);
            this.classes = classes;
        }

        @Override
        protected Class<?> findClass(String name) throws ClassNotFoundException {
            byte[] b = classes.get(name);
            if (b == null) throw new ClassNotFoundException(name);
            return defineClass(name, b, 0, b.length);
        }

        @Override
        public java.io.InputStream getResourceAsStream(String name) {
            if (name.endsWith(".class")) {
                byte[] b = classes.get(name.substring(0, name.length() - 6).replace('/', '.'));
                if (b != null) return new java.io.ByteArrayInputStream(b);
            }
            return super.getResourceAsStream(name);
        }
    }

    public void close() throws IOException {
        files.close();
    }
}
