package org.grad4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

class WeakIdentityMapTest {

    @Test
    void keysAreComparedByIdentityNotByEquals() {
        WeakIdentityMap<Object[]> map = new WeakIdentityMap<>();
        String a = new String("w"), b = new String("w");
        Object[] first = map.computeIfAbsent(a, () -> new Object[1]);
        assertSame(first, map.computeIfAbsent(a, () -> new Object[1]));
        assertNotSame(first, map.computeIfAbsent(b, () -> new Object[1]));
        assertEquals(2, map.size());
    }

    @Test
    void anEntryGoesWhenItsKeyIsCollected() throws InterruptedException {
        WeakIdentityMap<Object[]> map = new WeakIdentityMap<>();
        Object kept = new double[] {1};
        map.computeIfAbsent(kept, () -> new Object[1]);
        map.computeIfAbsent(new double[] {2}, () -> new Object[1]);
        for (int i = 0; i < 100 && map.size() > 1; i++) {
            System.gc();
            Thread.sleep(10);
        }
        assertEquals(1, map.size());
        java.lang.ref.Reference.reachabilityFence(kept);
    }
}
