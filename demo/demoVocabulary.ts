/**
 * Word lists the synthetic demo rows are drawn from: names, places and the
 * categories each department records. Fictional combinations of real-looking parts.
 */

export interface District {
  /** 行政区划代码 of the district (also the first 6 digits of its residents' ID numbers). */
  readonly code: string;
  readonly name: string;
  readonly roads: readonly string[];
}

/** 杭州市's districts, with a few roads of each. */
export const HANGZHOU_DISTRICTS: readonly District[] = [
  { code: '330102', name: '上城区', roads: ['解放路', '庆春路', '中山南路', '望江东路', '秋涛路', '凤起东路'] },
  { code: '330105', name: '拱墅区', roads: ['湖墅南路', '莫干山路', '上塘路', '石祥路', '大关路', '丰潭路'] },
  { code: '330106', name: '西湖区', roads: ['文三路', '文二路', '天目山路', '古墩路', '教工路', '学院路'] },
  { code: '330108', name: '滨江区', roads: ['江南大道', '滨盛路', '长河路', '江陵路', '网商路', '滨安路'] },
  { code: '330109', name: '萧山区', roads: ['市心路', '人民路', '金城路', '通惠路', '育才路', '山阴路'] },
  { code: '330110', name: '余杭区', roads: ['文一西路', '五常大道', '良睦路', '龙潭路', '文二西路', '海曙路'] },
  { code: '330111', name: '富阳区', roads: ['金桥北路', '江滨西大道', '桂花路', '富春街', '恩波大道'] },
  { code: '330112', name: '临安区', roads: ['钱王街', '衣锦街', '万马路', '城中街'] },
  { code: '330113', name: '临平区', roads: ['迎宾路', '世纪大道', '藕花洲大街', '星光街'] },
  { code: '330114', name: '钱塘区', roads: ['下沙路', '学源街', '文渊路', '海达南路', '福城路'] },
];

export const SURNAMES = [...'王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余叶程魏苏吕丁任沈姚卢钟姜崔谭陆范汪廖石金贾夏方邹熊孟秦邱江俞楼应钱戴严施陶毛郝顾龚邵'];

export const MALE_GIVEN = [...'伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆旭宁龙林阳建国峰文博志海振晨子轩睿航泽皓然'];
export const FEMALE_GIVEN = [...'芳娜敏静丽艳娟霞秀玲燕红萍婷雪琳颖倩慧洁佳琪欣悦诗涵梦雨婧璐薇怡晶蕾月彤瑶可馨'];

export const ETHNICITIES: readonly (readonly [string, number])[] = [
  ['汉族', 940],
  ['畲族', 15],
  ['回族', 10],
  ['满族', 8],
  ['土家族', 8],
  ['苗族', 7],
  ['壮族', 5],
  ['布依族', 4],
  ['蒙古族', 3],
];

/** 字号: the distinctive part of an enterprise or clinic name. */
export const TRADE_NAME_CHARS = [...'恒华瑞鑫博达创新智云润泽远航信诚德盛安康和嘉宏源天明星海峰锦禾晟钱江之湾越鼎森'];

export interface Industry {
  /** GB/T 4754-2017 门类 code. */
  readonly code: string;
  readonly words: readonly string[];
  readonly weight: number;
}

export const INDUSTRIES: readonly Industry[] = [
  { code: 'C', words: ['机械制造', '电子科技', '纺织', '新材料'], weight: 15 },
  { code: 'E', words: ['建设工程', '装饰工程'], weight: 6 },
  { code: 'F', words: ['商贸', '贸易', '电子商务'], weight: 25 },
  { code: 'G', words: ['物流', '供应链管理'], weight: 6 },
  { code: 'H', words: ['餐饮管理', '酒店管理'], weight: 6 },
  { code: 'I', words: ['网络科技', '信息技术', '软件', '数据科技'], weight: 20 },
  { code: 'K', words: ['物业管理', '房地产开发'], weight: 4 },
  { code: 'L', words: ['企业管理咨询', '商务信息咨询', '广告'], weight: 10 },
  { code: 'M', words: ['检测技术', '生物科技', '环保科技'], weight: 5 },
  { code: 'R', words: ['文化传媒', '体育发展'], weight: 3 },
];

/** 企业类型 and the name suffix that goes with it. */
export const ENTERPRISE_TYPES: readonly (readonly [readonly [string, string], number])[] = [
  [['有限责任公司（自然人投资或控股）', '有限公司'], 60],
  [['有限责任公司（自然人独资）', '有限公司'], 25],
  [['有限责任公司（非自然人投资或控股的法人独资）', '有限公司'], 10],
  [['股份有限公司（非上市、自然人投资或控股）', '股份有限公司'], 5],
];

/** 登记状态. */
export const ENTERPRISE_STATUSES: readonly (readonly [string, number])[] = [
  ['存续', 85],
  ['注销', 8],
  ['吊销', 5],
  ['迁出', 2],
];

export const INSURANCE_TYPES = ['企业职工基本养老保险', '职工基本医疗保险', '失业保险', '工伤保险'] as const;

export const INSURANCE_STATUSES: readonly (readonly [string, number])[] = [
  ['正常参保', 85],
  ['暂停参保', 10],
  ['终止参保', 5],
];

export const EMPLOYMENT_FORMS: readonly (readonly [string, number])[] = [
  ['单位就业', 75],
  ['灵活就业', 20],
  ['自主创业', 5],
];

export const OCCUPATIONS = [
  '软件工程师',
  '销售代表',
  '会计',
  '行政文员',
  '厨师',
  '快递员',
  '仓库管理员',
  '电工',
  '设计师',
  '客服专员',
  '网约配送员',
  '保安员',
];

/** 违法行为类型 and the law it breaks (cited by name only). */
export const VIOLATIONS: readonly (readonly [string, string])[] = [
  ['发布虚假广告', '《中华人民共和国广告法》'],
  ['销售不合格产品', '《中华人民共和国产品质量法》'],
  ['违反食品安全规定', '《中华人民共和国食品安全法》'],
  ['价格违法行为', '《中华人民共和国价格法》'],
  ['使用不合格计量器具', '《中华人民共和国计量法》'],
  ['侵犯注册商标专用权', '《中华人民共和国商标法》'],
  ['未按规定办理变更登记', '《中华人民共和国市场主体登记管理条例》'],
];

export const PENALTY_TYPES: readonly (readonly [string, number])[] = [
  ['警告', 15],
  ['罚款', 60],
  ['罚款；没收违法所得', 25],
];

/** 列入经营异常名录原因 and, when the enterprise was later removed, the removal reason. */
export const ABNORMAL_REASONS: readonly (readonly [string, string])[] = [
  ['未依照《企业信息公示暂行条例》规定的期限公示年度报告', '已补报未报年份的年度报告并公示'],
  ['通过登记的住所或者经营场所无法联系', '已依法办理住所变更登记'],
  ['未在责令的期限内公示有关企业信息', '已履行即时信息公示义务'],
  ['公示企业信息隐瞒真实情况、弄虚作假', '已更正其公示的信息'],
];

export const UNEMPLOYMENT_STATUSES = { paying: '发放中', finished: '已领完', stopped: '已停发' } as const;

/** 医疗机构类别 with relative frequency. */
export const INSTITUTION_TYPES: readonly (readonly [string, number])[] = [
  ['综合医院', 12],
  ['中医医院', 5],
  ['专科医院', 8],
  ['社区卫生服务中心', 30],
  ['门诊部', 25],
  ['诊所', 40],
];

export const SPECIALTY_HOSPITALS = ['口腔医院', '眼科医院', '妇产医院', '儿童医院', '骨科医院', '康复医院'];
export const CLINIC_KINDS = ['口腔诊所', '中医诊所', '内科诊所', '皮肤科诊所'];
export const OUTPATIENT_KINDS = ['综合门诊部', '中医门诊部', '口腔门诊部'];
export const PUBLIC_HOSPITAL_NAMES = ['第一人民医院', '第二人民医院', '第三人民医院', '人民医院', '中心医院'];

/** 法定传染病 and their class under the communicable-disease law. */
export const DISEASES: readonly (readonly [string, string])[] = [
  ['病毒性肝炎', '乙类'],
  ['肺结核', '乙类'],
  ['梅毒', '乙类'],
  ['猩红热', '乙类'],
  ['新型冠状病毒感染', '乙类'],
  ['细菌性和阿米巴性痢疾', '乙类'],
  ['流行性感冒', '丙类'],
  ['手足口病', '丙类'],
  ['其他感染性腹泻病', '丙类'],
  ['流行性腮腺炎', '丙类'],
];

export const CASE_TYPES: readonly (readonly [string, number])[] = [
  ['确诊病例', 70],
  ['临床诊断病例', 20],
  ['疑似病例', 10],
];
