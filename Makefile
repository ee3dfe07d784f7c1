# share_acl — PGXS build.
#
# The install script share_acl--<version>.sql is generated from the files in
# sql/install/ (one per concern, concatenated in name order).  Upgrade scripts
# sql/share_acl--A--B.sql are kept as written.

EXTENSION    = share_acl
EXTVERSION   = $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" share_acl.control)
MODULE_big   = share_acl
OBJS         = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c)))
DATA_built   = sql/share_acl--$(EXTVERSION).sql
DATA         = $(filter-out $(DATA_built),$(wildcard sql/share_acl--*--*.sql))
EXTRA_CLEAN  = $(DATA_built)

# pg_regress suites: sql/<name>.sql with expected/<name>.out
REGRESS      = $(sort $(basename $(notdir $(wildcard sql/[a-z]*.sql))))
REGRESS      := $(filter-out share_acl--%,$(REGRESS))
REGRESS_OPTS = --load-extension=share_acl

PG_CONFIG   ?= /usr/lib/postgresql/15/bin/pg_config
PG_CPPFLAGS  = -Isrc
PG_CFLAGS    = -Wall -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

INSTALL_SOURCES = $(sort $(wildcard sql/install/*.sql))

$(DATA_built): $(INSTALL_SOURCES) share_acl.control
	( printf '%s\n' '-- generated from sql/install/*.sql by make; edit those files' \
	    '\echo Use "CREATE EXTENSION share_acl" to load this file. \quit'; \
	  for f in $(INSTALL_SOURCES); do printf '\n-- ==== %s\n' "$$f"; cat "$$f"; done ) > $@

# every object depends on the project's headers
$(OBJS): $(wildcard src/*.h)
