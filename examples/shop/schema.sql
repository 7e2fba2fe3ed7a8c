-- The example shop's tables: one per entity in ../../schemas/.
CREATE TABLE categories (
  id            integer PRIMARY KEY,
  name          text    NOT NULL,
  slug          text    NOT NULL UNIQUE,
  product_count integer NOT NULL DEFAULT 0,
  icon          bytea
);

CREATE TABLE customers (
  id          uuid        PRIMARY KEY,
  email       text        NOT NULL UNIQUE,
  name        text        NOT NULL,
  nickname    text,
  age         integer,
  roles       text[]      NOT NULL,
  tier        text        NOT NULL CHECK (tier IN ('standard', 'gold', 'platinum')),
  preferences jsonb       NOT NULL,
  phone       text        NOT NULL,
  birthday    date,
  created_at  timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL,
  meta        jsonb       NOT NULL
);

CREATE TABLE products (
  sku         text        PRIMARY KEY,
  slug        text        NOT NULL UNIQUE,
  title       text        NOT NULL,
  description text,
  price_cents integer     NOT NULL,
  rating      double precision,
  category_id integer     NOT NULL REFERENCES categories (id),
  image_url   text        NOT NULL,
  attributes  jsonb       NOT NULL,
  active      boolean     NOT NULL,
  updated_at  timestamptz NOT NULL
);

-- Written by the write-behind worker: `revision` fences out-of-order redelivery.
CREATE TABLE orders (
  id          uuid        PRIMARY KEY,
  customer_id uuid        NOT NULL REFERENCES customers (id),
  status      text        NOT NULL CHECK (status IN ('pending', 'paid', 'shipped', 'cancelled')),
  lines       jsonb       NOT NULL,
  total_cents numeric(39) NOT NULL,
  placed_at   timestamptz NOT NULL,
  revision    integer     NOT NULL
);

CREATE TABLE stock_levels (
  warehouse_id text    NOT NULL,
  sku          text    NOT NULL,
  available    integer NOT NULL,
  reserved     integer NOT NULL,
  revision     integer NOT NULL,
  counted_on   date    NOT NULL,
  PRIMARY KEY (warehouse_id, sku)
);

CREATE TABLE reviews (
  product_sku   text        NOT NULL,
  customer_id   uuid        NOT NULL,
  stars         integer     NOT NULL CHECK (stars BETWEEN 1 AND 5),
  body          text,
  helpful_votes numeric(39) NOT NULL,
  posted_at     timestamptz NOT NULL,
  PRIMARY KEY (product_sku, customer_id)
);

CREATE TABLE coupons (
  code            text             PRIMARY KEY,
  percent_off     double precision NOT NULL,
  expires_at      timestamptz      NOT NULL,
  max_redemptions integer,
  redemptions     integer          NOT NULL
);
