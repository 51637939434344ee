/* Handle-table slots; see htable.h. */
#include "lib/htable.h"

int htable_used(const struct hslot *t, int n)
{
	int used = 0;

	for (int i = 0; i < n; i++)
		used += t[i].obj != 0;
	return used;
}

int htable_alloc(struct hslot *t, int n, int quota, void *obj, uint32_t rights)
{
	if (htable_used(t, n) >= quota)
		return HT_EFULL;
	for (int i = 0; i < n; i++) {
		if (!t[i].obj) {
			t[i].obj = obj;
			t[i].rights = rights;
			return i;
		}
	}
	return HT_EFULL;
}

int htable_check(const struct hslot *t, int n, int h, uint32_t need)
{
	if (h < 0 || h >= n || !t[h].obj)
		return HT_EBAD;
	return (t[h].rights & need) == need ? 0 : HT_EPERM;
}

int htable_clear(struct hslot *t, int n, int h, struct hslot *out)
{
	if (h < 0 || h >= n || !t[h].obj)
		return HT_EBAD;
	*out = t[h];
	t[h].obj = 0;
	t[h].rights = 0;
	return 0;
}

bool rights_subset(uint32_t want, uint32_t have)
{
	return (want & ~have) == 0;
}
