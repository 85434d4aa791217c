/**
 * Dhan's documented sample responses of `POST /v2/optionchain` (DhanHQ API
 * v2 docs, "Option Chain", Response Structure), one strike each, as
 * published: the docs elide the other strikes with lines of dots, left out
 * here. Quantities are in units of the underlying: in the current sample every
 * `oi`, `previous_oi`, `volume`, `previous_volume` and top bid/ask quantity is
 * a whole multiple of 65 (NIFTY's lot for expiries from January 2026); in the
 * older one (spot 24,964.25, request expiry 2024-10-31) `oi`, `previous_oi`,
 * `volume` and the top quantities are multiples of 25, NIFTY's lot then
 * (its `previous_volume` is not, and the platform does not read it).
 */

/** The current sample: NIFTY 25,650 strike, spot 25,642.8; quantities in multiples of 65. */
export const DHAN_SAMPLE_LOT_65 = {
  data: {
    last_price: 25642.8,
    oc: {
      '25650.000000': {
        ce: {
          average_price: 146.99,
          greeks: { delta: 0.53871, theta: -15.1539, gamma: 0.00132, vega: 12.18593 },
          implied_volatility: 9.789193798280868,
          last_price: 134,
          oi: 3786445,
          previous_close_price: 244.85,
          previous_oi: 402220,
          previous_volume: 31931705,
          security_id: 42528,
          top_ask_price: 134,
          top_ask_quantity: 1365,
          top_bid_price: 133.55,
          top_bid_quantity: 1625,
          volume: 117567970,
        },
        pe: {
          average_price: 134.62,
          greeks: { delta: -0.46732, theta: -10.61131, gamma: 0.00109, vega: 12.2025 },
          implied_volatility: 11.939337251984934,
          last_price: 132.8,
          oi: 3096145,
          previous_close_price: 101.45,
          previous_oi: 2327260,
          previous_volume: 81224780,
          security_id: 42529,
          top_ask_price: 132.75,
          top_ask_quantity: 390,
          top_bid_price: 132.45,
          top_bid_quantity: 65,
          volume: 157009970,
        },
      },
    },
  },
  status: 'success',
};

/** The older (2024) sample: NIFTY 25,000 strike, spot 24,964.25; quantities in multiples of 25. */
export const DHAN_SAMPLE_LOT_25 = {
  data: {
    last_price: 24964.25,
    oc: {
      '25000.000000': {
        ce: {
          greeks: { delta: 0.52546, theta: -12.88756, gamma: 0.00136, vega: 12.98931 },
          implied_volatility: 8.945204889199001,
          last_price: 125.05,
          oi: 5962675,
          previous_close_price: 190.45,
          previous_oi: 3939375,
          previous_volume: 831463,
          top_ask_price: 124.9,
          top_ask_quantity: 1000,
          top_bid_price: 124,
          top_bid_quantity: 100,
          volume: 84202625,
        },
        pe: {
          greeks: { delta: -0.48099, theta: -10.56587, gamma: 0.00092, vega: 13.00105 },
          implied_volatility: 13.321804909313869,
          last_price: 165,
          oi: 5059700,
          previous_close_price: 153.6,
          previous_oi: 4667700,
          previous_volume: 1047989,
          top_ask_price: 165,
          top_ask_quantity: 375,
          top_bid_price: 164.05,
          top_bid_quantity: 50,
          volume: 81097175,
        },
      },
    },
  },
  status: 'success',
};
