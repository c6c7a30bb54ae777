package org.grad4j.it.programs;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.ref.WeakReference;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.function.Function;

/**
 * An application server in miniature: loads {@code plugin.Plugin} in a fresh child-first class
 * loader several times (a redeploy), lets each copy take gradients, drops it, and counts the
 * loaders the garbage collector could not free. Writes {@code maxError} (gradients against
 * central differences) and {@code loadersAlive}.
 */
public final class PluginHost {
    private static final String PLUGIN = "org.grad4j.it.programs.plugin.";

    /** Loads the plugin's classes itself, everything else (grad4j's runtime) from the application. */
    static final class ChildFirst extends URLClassLoader {
        ChildFirst(URL classes) {
            super(new URL[] {classes}, PluginHost.class.getClassLoader());
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (!name.startsWith(PLUGIN)) return super.loadClass(name, resolve);
            synchronized (getClassLoadingLock(name)) {
                Class<?> c = findLoadedClass(name);
                return c != null ? c : findClass(name);
            }
        }
    }

    public static void main(String[] args) throws Exception {
        URL classes = PluginHost.class.getProtectionDomain().getCodeSource().getLocation();
        double maxError = 0;
        List<WeakReference<ClassLoader>> loaders = new ArrayList<>();
        for (int round = 0; round < 5; round++) {
            ChildFirst loader = new ChildFirst(classes);
            @SuppressWarnings("unchecked")
            Function<double[], double[]> plugin = (Function<double[], double[]>) loader.loadClass(PLUGIN + "Plugin")
                    .getConstructor().newInstance();
            double[] w = {0.3, -1.2, 2.5 + round};
            double[] g = plugin.apply(w);
            for (int i = 0; i < w.length; i++) {
                double[] up = w.clone(), down = w.clone();
                up[i] += 1e-6;
                down[i] -= 1e-6;
                double fd = (f(up) - f(down)) / 2e-6;
                maxError = Math.max(maxError, Math.abs(g[i] - fd) / (1 + Math.abs(fd)));
            }
            loaders.add(new WeakReference<>(loader));
            loader.close();
        }
        int alive = loaders.size();
        for (int attempt = 0; attempt < 20 && alive > 0; attempt++) {
            System.gc();
            Thread.sleep(50);
            alive = 0;
            for (WeakReference<ClassLoader> r : loaders) if (r.get() != null) alive++;
        }
        Properties results = new Properties();
        results.setProperty("maxError", Double.toString(maxError));
        results.setProperty("loadersAlive", Integer.toString(alive));
        for (String a : args) {
            if (a.startsWith("--results=")) {
                try (OutputStream out = Files.newOutputStream(Path.of(a.substring("--results=".length())))) {
                    results.store(out, null);
                }
            }
        }
    }

    private static double f(double[] w) {
        return org.grad4j.it.programs.plugin.Plugin.loss(w) + w[0] * w[1];
    }
}
